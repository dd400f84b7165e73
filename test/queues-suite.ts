import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { QUEUES } from '../src/jobs/queues';
import { INSTANCE_ID } from '../src/system/instance-id';
import type { HeartbeatResult } from '../src/system/system.processor';
import type { DisposableRedisCluster } from './harness/redis-cluster';
import { TestContext } from './harness/test-app';

type QueueWithHandlers = Queue & { handlers?: Record<string, unknown> };

/** Bull across two processes, on the local Redis (queues.e2e-spec.ts) and on a Redis Cluster (redis-cluster.e2e-spec.ts). */
export function describeQueuesSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  describe(`Bull queues across an API process and a worker process${redisCluster ? ', on a Redis Cluster' : ''}`, () =>
    queuesSuite(testFile, redisCluster));
}

function queuesSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  const ctx = new TestContext(testFile, { redisCluster });
  let api: NestExpressApplication;
  let worker: NestExpressApplication;

  beforeAll(async () => {
    api = await ctx.startApp({ MALTED_MODE: 'api' });
    worker = await ctx.startApp({ MALTED_MODE: 'worker' });
  });
  afterAll(() => ctx.close());

  it('processes in the worker a job that the API process queued, through the real Redis', async () => {
    const queue = api.get<QueueWithHandlers>(getQueueToken(QUEUES.system.name));
    expect(Object.keys(queue.handlers ?? {})).toEqual([]); // the API process runs no jobs

    const job = await queue.add(QUEUES.system.jobs.heartbeat, {});
    const result = (await job.finished()) as HeartbeatResult;

    expect(result.instance).toBe(worker.get(INSTANCE_ID));
    expect(result.instance).not.toBe(api.get(INSTANCE_ID));
  });

  it('serves only health in worker mode', async () => {
    await ctx.http(worker).get('/health/ready').expect(200);
    await ctx.http(worker).get('/docs-json').expect(404);
  });
}
