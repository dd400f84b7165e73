import Redis from 'ioredis';
import { ViewsCounter } from '../../src/files/views.counter';
import { DisposableRedis, freePort } from '../harness/servers';

/** The views fold's hand-over against a private redis-server, which the last test turns into a read-only replica. */
describe('views counter', () => {
  let server: DisposableRedis;
  let redis: Redis;
  let views: ViewsCounter;

  beforeAll(async () => {
    server = new DisposableRedis(await freePort());
    await server.start();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    views = new ViewsCounter(redis);
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
  });
});
