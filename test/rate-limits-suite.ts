import { uploadAs } from './harness/posts';
import type { DisposableRedisCluster } from './harness/redis-cluster';
import { DisposableRedis, freePort } from './harness/servers';
import { TestContext } from './harness/test-app';

/**
 * The rate limits across app instances, on the local Redis (rate-limits.e2e-spec.ts, which also stops a Redis of
 * its own under them) and on a Redis Cluster (redis-cluster.e2e-spec.ts).
 */
export function describeRateLimitsSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  describe(`rate limits${redisCluster ? ' on a Redis Cluster' : ''}`, () => rateLimitsSuite(testFile, redisCluster));
}

function rateLimitsSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  const ctx = new TestContext(testFile, { redisCluster });
  afterAll(() => ctx.close());

  it('trips on the 11th login in a minute from one address, counted across two app instances', async () => {
    const limits = { LOGIN_RATE_LIMIT_PER_MINUTE: '10' };
    const a = await ctx.startApp(limits);
    const b = await ctx.startApp(limits);
    const user = await ctx.newUser(a);
    const failLogin = (app: typeof a) =>
      ctx.http(app).post('/api/v1/auth/login').send({ login: user.username, password: 'wrong password!' });

    for (let i = 0; i < 6; i++) await failLogin(a).expect(401);
    for (let i = 0; i < 4; i++) {
      const res = await failLogin(b).expect(401);
      expect(res.headers['x-ratelimit-limit-login']).toBe('10');
      expect(res.headers['x-ratelimit-remaining-login']).toBe(String(3 - i));
    }
    const blocked = await failLogin(a).expect(429);
    expect(blocked.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    // Even the right password waits: the limit is on attempts, so guessing cannot continue.
    await ctx.http(b).post('/api/v1/auth/login').send({ login: user.username, password: user.password }).expect(429);

    expect((await ctx.redisKeys(`${ctx.prefix}:*login*`)).length).toBeGreaterThan(0);
  });

  it('limits registrations per address per hour', async () => {
    const app = await ctx.startApp({ REGISTER_RATE_LIMIT_PER_HOUR: '2', REDIS_KEY_PREFIX: `${ctx.prefix}:register` });
    await ctx.newUser(app);
    await ctx.newUser(app);
    const res = await ctx
      .http(app)
      .post('/api/v1/auth/register')
      .send({ username: 'thirdtry', email: 'third@example.com', password: 'a long enough secret' })
      .expect(429);
    expect(Number(res.headers['retry-after-register'])).toBeGreaterThan(0);
    await ctx.http(app).get('/api/v1/users/thirdtry').expect(404);
  });

  it('limits authenticated use per token and reports it in X-RateLimit headers', async () => {
    const app = await ctx.startApp({ RATE_LIMIT_PER_HOUR: '3', REDIS_KEY_PREFIX: `${ctx.prefix}:per-token` });
    const user = await ctx.newUser(app); // one anonymous request from this address
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(200);
      expect(res.headers['x-ratelimit-limit']).toBe('3');
      remaining.push(res.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(429);
    // Another caller has its own allowance.
    await ctx.http(app).get(`/api/v1/users/${user.username}`).expect(200);
  });

  it('leaves the public media routes out of the limit, which the API routes around them keep', async () => {
    const app = await ctx.startApp({ RATE_LIMIT_PER_HOUR: '3', REDIS_KEY_PREFIX: `${ctx.prefix}:media` });
    const user = await ctx.newUser(app);
    const { key } = await uploadAs(app, user);
    for (let i = 0; i < 10; i++) {
      for (const path of [`/r/${key}`, `/api/v1/files/${key}/raw`]) {
        const res = await ctx.http(app).get(path).set('Authorization', user.auth).expect(200);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    }
    // The media requests took nothing of the token's allowance: the API still has what the upload left.
    const remaining = Number(
      (await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(200)).headers['x-ratelimit-remaining'],
    );
    expect(remaining).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < remaining; i++) await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(200);
    await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(429);
    await ctx.http(app).get(`/r/${key}`).set('Authorization', user.auth).expect(200);
  });

  // A Redis of its own, stopped under the app: once is enough, on one Redis.
  if (!redisCluster)
    it('lets requests through (no 500s) while Redis is away', async () => {
      const redis = new DisposableRedis(await freePort());
      await redis.start();
      try {
        // API mode: the limiter is what is under test. An app that also runs jobs would close its Bull
        // processors against the stopped Redis, where Bull 4 (whenCurrentJobsFinished) leaves a rejected
        // reconnect promise unhandled, failing the suite after the test has passed.
        const app = await ctx.startApp({ MALTED_MODE: 'api', REDIS_URL: redis.url, LOGIN_RATE_LIMIT_PER_MINUTE: '10' });
        const user = await ctx.newUser(app);
        await redis.stop();
        const started = Date.now();
        await ctx.http(app).post('/api/v1/auth/login').send({ login: user.username, password: user.password }).expect(200);
        await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(200);
        expect(Date.now() - started).toBeLessThan(3000);
        // Bull cannot close its queues cleanly while Redis is away (it tries to reconnect): bring it back first.
        await redis.start();
        await ctx.closeApp(app);
      } finally {
        await redis.stop();
      }
    });
}
