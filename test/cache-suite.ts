import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import type { DisposableRedisCluster } from './harness/redis-cluster';
import { TestContext } from './harness/test-app';

/** cache-manager's store, on the local Redis (cache.e2e-spec.ts) and on a Redis Cluster (redis-cluster.e2e-spec.ts). */
export function describeCacheManagerSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  describe(`cache-manager on ${redisCluster ? 'a Redis Cluster' : 'Redis'}`, () => cacheManagerSuite(testFile, redisCluster));
}

function cacheManagerSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  const ctx = new TestContext(testFile, { redisCluster });
  afterAll(() => ctx.close());

  it('reads back in a second app instance what the first one wrote, with a real Redis TTL', async () => {
    const first = await ctx.startApp({ MALTED_MODE: 'api' });
    const second = await ctx.startApp({ MALTED_MODE: 'api' });

    await first.get<Cache>(CACHE_MANAGER).set('greeting', { text: 'hello from A' }, 30_000);
    await expect(second.get<Cache>(CACHE_MANAGER).get('greeting')).resolves.toEqual({ text: 'hello from A' });

    const redis = ctx.redisClient();
    try {
      const keys = await ctx.redisKeys(`${ctx.prefix}:cache*greeting`);
      expect(keys).toHaveLength(1);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      await redis.quit();
    }
  });
}
