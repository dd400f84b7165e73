import { ConfigService } from '@nestjs/config';
import Redis from 'ioredis';
import type { ResolvedEnvironment } from '../../src/config/environment';
import { ViewsCounter } from '../../src/files/views.counter';
import { DisposableRedis, freePort } from '../harness/servers';

/** The views' hand-overs against a private redis-server, which the last test turns into a read-only replica and back. */
describe('views counter', () => {
  let server: DisposableRedis;
  let redis: Redis;
  let views: ViewsCounter;

  beforeAll(async () => {
    server = new DisposableRedis(await freePort());
    await server.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    views = new ViewsCounter(redis, new ConfigService({ VIEWS_FLUSH_INTERVAL_MS: 60_000 }) as ConfigService<ResolvedEnvironment, true>);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('reads no pending views as nothing to fold, but fails the fold when Redis refuses to move them', async () => {
    expect(await views.take()).toEqual(new Map());
    await redis.hincrby('views:pending', 'a', 2);
    expect(await views.take()).toEqual(new Map([['a', 2]]));
    await views.done('a');

    await redis.hincrby('views:pending', 'b', 3);
    // A replica of a master that is not there (as after a bad failover): reads answer, writes get READONLY.
    await redis.call('REPLICAOF', '127.0.0.1', String(await freePort()));
    await expect(views.take()).rejects.toThrow(/READONLY/);
    expect(await redis.hgetall('views:pending')).toEqual({ b: '3' }); // still there for the retry

    // Views counted in memory meanwhile are kept, not lost, while Redis refuses them.
    views.record('c');
    views.record('c');
    await views.flush();
    expect(views.unflushed).toBe(2);
    expect(await redis.hgetall('views:pending')).toEqual({ b: '3' });
    await redis.call('REPLICAOF', 'NO', 'ONE');
    await views.flush();
    expect(views.unflushed).toBe(0);
    expect(await redis.hgetall('views:pending')).toEqual({ b: '3', c: '2' });
  });

  it('runs one fold at a time: a fold started while another applies its batch does not count that batch again', async () => {
    for (const id of [...(await views.take()).keys()]) await views.done(id); // what the test above left
    await redis.hincrby('views:pending', 'd', 3);
    const folded: [string, number][] = [];
    let second: Promise<void> | undefined;
    const fold = (whileApplying?: () => void) =>
      views.exclusively(async () => {
        const batch = await views.take();
        whileApplying?.();
        for (const [id, count] of batch) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          folded.push([id, count]);
          await views.done(id);
        }
      });
    await fold(() => (second = fold()));
    await second;
    expect(folded).toEqual([['d', 3]]);
    expect(await redis.exists('views:fold-lock')).toBe(0);
  });
});
