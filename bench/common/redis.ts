import Redis from 'ioredis';
import { redisAnswers } from '../../src/dev/probes';

/** REDIS_URL or the local Redis; throws if none answers. */
export async function benchRedisUrl(): Promise<string> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { hostname, port } = new URL(url);
  if (!(await redisAnswers(hostname, Number(port || 6379)))) throw new Error(`no Redis answers at ${url}`);
  return url;
}

/** Deletes every key under the benchmark's prefix. */
export async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    await redis.quit();
  }
}
