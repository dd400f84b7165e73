import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache } from 'cache-manager';
import Redis from 'ioredis';
import { TestContext } from './harness/test-app';

describe('cache-manager on Redis', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  it('reads back in a second app instance what the first one wrote, with a real Redis TTL', async () => {
    const first = await ctx.startApp({ MALTED_MODE: 'api' });
    const second = await ctx.startApp({ MALTED_MODE: 'api' });

    await first.get<Cache>(CACHE_MANAGER).set('greeting', { text: 'hello from A' }, 30_000);
    await expect(second.get<Cache>(CACHE_MANAGER).get('greeting')).resolves.toEqual({ text: 'hello from A' });

    const redis = new Redis(process.env.MALTED_TEST_REDIS_URL!);
    try {
      const keys = await redis.keys(`${ctx.prefix}:cache*greeting`);
      expect(keys).toHaveLength(1);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30_000);
    } finally {
      await redis.quit();
    }
  });
});
