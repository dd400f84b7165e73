import type { NestExpressApplication } from '@nestjs/platform-express';
import { CacheMetrics } from '../src/common/cache/cache-metrics';
import { describeResponseCacheSuite } from './http-cache-suite';
import { DisposableRedis, eventually, freePort } from './harness/servers';
import { TestContext } from './harness/test-app';

describeResponseCacheSuite(__filename);

describe('the response cache while Redis is away', () => {
  const ctx = new TestContext(__filename);
  let redis: DisposableRedis;
  let app: NestExpressApplication;
  let path: string;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    app = await ctx.startApp({ MALTED_MODE: 'api', REDIS_URL: redis.url });
    const user = await ctx.newUser(app);
    path = `/api/v1/shakes/${user.username}`;
    await ctx.http(app).get(path).expect(200);
    expect((await ctx.http(app).get(path).expect(200)).headers['x-cache']).toBe('HIT');
  });
  afterAll(async () => {
    redis.resume();
    await redis.start().catch(() => undefined);
    await ctx.close();
    await redis.stop();
  });

  it('serves public reads uncached within a second while Redis is stopped, and caches again once it is back', async () => {
    await redis.stop();
    const errorsBefore = app.get(CacheMetrics).errors;
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await ctx.http(app).get(path).expect(200);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.headers['x-cache']).toBe('BYPASS');
    }
    expect(app.get(CacheMetrics).errors).toBeGreaterThan(errorsBefore);

    await redis.start();
    const hit = await eventually(
      async () => (await ctx.http(app).get(path)).headers['x-cache'] as string,
      (outcome) => outcome === 'HIT',
      15_000,
    );
    expect(hit).toBe('HIT');
  });

  it('does not wait on a Redis that has stopped answering', async () => {
    redis.pause();
    try {
      const started = Date.now();
      const res = await ctx.http(app).get(path).expect(200);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.headers['x-cache']).toBe('BYPASS');
    } finally {
      redis.resume();
    }
    await eventually(
      async () => (await ctx.http(app).get(path)).headers['x-cache'] as string,
      (outcome) => outcome === 'HIT',
      10_000,
    );
  });
});
