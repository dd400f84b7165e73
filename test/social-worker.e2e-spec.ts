import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { jobNamesOf, QUEUES } from '../src/jobs/queues';
import { settleSocialJobs } from './harness/jobs';
import { TestContext } from './harness/test-app';

type QueueWithHandlers = Queue & { handlers?: Record<string, unknown> };

describe('social jobs across an API process and a worker process', () => {
  const ctx = new TestContext(__filename);
  let api: NestExpressApplication;
  let worker: NestExpressApplication;

  beforeAll(async () => {
    api = await ctx.startApp({ MALTED_MODE: 'api' });
    worker = await ctx.startApp({ MALTED_MODE: 'worker' });
  });
  afterAll(() => ctx.close());

  it('registers the social processor only in the worker', () => {
    const handlersIn = (app: NestExpressApplication) =>
      Object.keys(app.get<QueueWithHandlers>(getQueueToken(QUEUES.social.name)).handlers ?? {}).sort();
    expect(handlersIn(api)).toEqual([]);
    expect(handlersIn(worker)).toEqual(jobNamesOf(QUEUES.social.name).sort());
  });

  it('counts and notifies in the worker what the API wrote', async () => {
    const owner = await ctx.newUser(api);
    const fan = await ctx.newUser(api);
    await ctx.http(api).put(`/api/v1/shakes/${owner.username}/follow`).set('Authorization', fan.auth).expect(204);
    await settleSocialJobs(api);
    expect((await ctx.http(api).get(`/api/v1/shakes/${owner.username}`).expect(200)).body.followerCount).toBe(1);
    const inbox = await ctx.http(api).get('/api/v1/notifications').set('Authorization', owner.auth).expect(200);
    expect(inbox.body.items.map((n: { type: string }) => n.type)).toEqual(['follow']);
  });

  it.each([
    ['GET', '/api/v1/shakes/anyone'],
    ['PUT', '/api/v1/shakes/anyone/follow'],
    ['GET', '/api/v1/notifications'],
    ['POST', '/api/v1/admin/recount'],
    ['GET', '/api/v1/me/following'],
  ])('serves no %s %s in worker mode', async (method, path) => {
    await ctx.http(worker)[method.toLowerCase() as 'get'](path).expect(404);
  });
});
