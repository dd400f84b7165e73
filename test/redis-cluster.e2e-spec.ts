import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { RedisClient } from '../src/common/redis/redis-connection';
import { REDIS_CLIENT } from '../src/common/redis/redis.constants';
import { ViewsCounter } from '../src/files/views.counter';
import { epochKeysOf } from '../src/jobs/job-recovery';
import { JobState } from '../src/jobs/outbox.schema';
import { ALL_QUEUE_NAMES } from '../src/jobs/queues';
import { describeCacheManagerSuite } from './cache-suite';
import { makeAdmin } from './harness/admins';
import { uploadAs } from './harness/posts';
import { DisposableRedisCluster } from './harness/redis-cluster';
import { eventually } from './harness/servers';
import { TestContext } from './harness/test-app';
import { describeResponseCacheSuite } from './http-cache-suite';
import { describeQueuesSuite } from './queues-suite';
import { describeRateLimitsSuite } from './rate-limits-suite';

/**
 * Everything that talks to Redis, on a real three-master Redis Cluster (with a password) instead of one Redis: the
 * queue, cache and rate-limit suites as they run on the local Redis, then what else keeps state in Redis.
 */
const cluster = new DisposableRedisCluster();
beforeAll(() => cluster.start(), 30_000);
afterAll(() => cluster.stop());

describeQueuesSuite(__filename, cluster);
describeCacheManagerSuite(__filename, cluster);
describeResponseCacheSuite(__filename, cluster);
describeRateLimitsSuite(__filename, cluster);

describe('the rest of Malted on a Redis Cluster', () => {
  const ctx = new TestContext(__filename, { redisCluster: cluster });
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let worker: NestExpressApplication;

  beforeAll(async () => {
    a = await ctx.startApp({ MALTED_MODE: 'api' });
    b = await ctx.startApp({ MALTED_MODE: 'api' });
    worker = await ctx.startApp({ MALTED_MODE: 'worker', JOB_RECOVERY_INTERVAL_MS: '300' });
  });
  afterAll(() => ctx.close());

  it('makes the thumbnail of an upload in the worker, and counts views through Redis into the post', async () => {
    const owner = await ctx.newUser(a);
    const { key } = await uploadAs(a, owner);
    const thumbnail = await eventually(
      () => ctx.http(b).get(`/t/${key}`),
      (res) => res.status === 200,
      20_000,
    );
    expect(thumbnail.headers['content-type']).toBe('image/webp');

    await ctx.http(b).get(`/r/${key}`).expect(200);
    await ctx.http(b).get(`/r/${key}`).expect(200);
    await b.get(ViewsCounter).flush();
    // The fold moves the pending views aside with RENAMENX: both keys in one hash slot.
    const taken = await worker.get(ViewsCounter).take();
    expect([...taken.values()]).toEqual([2]);
  });

  it('stops every API process serving a deleted file, through the invalidation stream', async () => {
    const owner = await ctx.newUser(a);
    const { key } = await uploadAs(a, owner);
    await ctx.http(b).get(`/r/${key}`).expect(200); // now in b's media cache
    await ctx.http(a).delete(`/api/v1/files/${key}`).set('Authorization', owner.auth).expect(204);
    const started = Date.now();
    await eventually(
      async () => (await ctx.http(b).get(`/r/${key}`)).status,
      (status) => status === 404,
      5_000,
    );
    expect(Date.now() - started).toBeLessThan(3_000); // MEDIA_CACHE_MAX_LAG_MS
  });

  it('keeps admin sessions of the queue dashboard', async () => {
    const admin = await ctx.newUser(a);
    await makeAdmin(a, admin.username);
    const session = await ctx.http(a).post('/api/v1/admin/session').set('Authorization', admin.auth).expect(201);
    const cookie = (session.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    await ctx.http(b).get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
  });

  it('notices a master that lost its data, by the epoch kept beside each queue', async () => {
    const state = worker.get<Model<JobState>>(getModelToken(JobState.name));
    const keys = epochKeysOf(worker.get<RedisClient>(REDIS_CLIENT), ctx.prefix).map((key) => `${ctx.prefix}:${key}`);
    expect(keys).toHaveLength(ALL_QUEUE_NAMES.length);
    const client = ctx.redisClient();
    try {
      await eventually(async () => (await Promise.all(keys.map((key) => client.exists(key)))).every(Boolean), Boolean, 10_000);
      const before = await state.findById('redis').lean().exec();
      expect(before).not.toBeNull();
      // Empty the master of one queue's slot (its jobs are gone, the other masters keep theirs), one that does not
      // hold the key a single Redis keeps its epoch in.
      const single = await cluster.portOf(`${ctx.prefix}:jobs:epoch`);
      const ports = await Promise.all(keys.map((key) => cluster.portOf(key)));
      await cluster.cli(
        ports.find((port) => port !== single)!,
        'FLUSHALL',
      );
      const after = await eventually(
        () => state.findById('redis').lean().exec(),
        (current) => current !== null && current.epoch !== before!.epoch,
        10_000,
      );
      expect(after!.since.getTime()).toBeGreaterThan(before!.since.getTime());
    } finally {
      await client.quit();
    }
  });
});
