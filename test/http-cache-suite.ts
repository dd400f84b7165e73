import type { NestExpressApplication } from '@nestjs/platform-express';
import { CacheMetrics } from '../src/common/cache/cache-metrics';
import { settleSocialJobs } from './harness/jobs';
import { uploadAs } from './harness/posts';
import type { DisposableRedisCluster } from './harness/redis-cluster';
import { TestContext, type TestUser } from './harness/test-app';

/**
 * The response cache across two API instances and a worker, run on the local Redis (http-cache.e2e-spec.ts) and on
 * a Redis Cluster (redis-cluster.e2e-spec.ts).
 */
export function describeResponseCacheSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  describe(`the response cache (two API instances sharing one ${redisCluster ? 'Redis Cluster' : 'Redis'}, one worker)`, () =>
    responseCacheSuite(testFile, redisCluster));
}

function responseCacheSuite(testFile: string, redisCluster?: DisposableRedisCluster): void {
  const ctx = new TestContext(testFile, { redisCluster });
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let owner: TestUser;

  beforeAll(async () => {
    a = await ctx.startApp({ MALTED_MODE: 'api' });
    b = await ctx.startApp({ MALTED_MODE: 'api' });
    await ctx.startApp({ MALTED_MODE: 'worker' });
    owner = await ctx.newUser(a);
  });
  afterAll(() => ctx.close());

  const get = (app: NestExpressApplication, path: string, auth?: string) => {
    const req = ctx.http(app).get(path);
    return auth ? req.set('Authorization', auth) : req;
  };
  const keysOf = (body: { items: { key: string }[] }) => body.items.map((item) => item.key);

  it('answers the second read of a shake page from the cache, and a new upload through the other instance at once', async () => {
    const first = await uploadAs(a, owner, { title: 'first' });
    await settleSocialJobs(a); // the posted job recounts the shake's files, which refreshes its pages too
    const shakeFiles = `/api/v1/shakes/${owner.username}/files`;

    const miss = await get(a, shakeFiles).expect(200);
    expect(miss.headers['x-cache']).toBe('MISS');
    const hit = await get(a, shakeFiles).expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.text).toBe(miss.text);
    expect(hit.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hit.headers.etag).toBe(miss.headers.etag);
    expect(keysOf(hit.body)).toEqual([first.key]);

    const second = await uploadAs(b, owner, { title: 'second' });
    const fresh = await get(a, shakeFiles).expect(200);
    expect(fresh.headers['x-cache']).toBe('MISS');
    expect(keysOf(fresh.body)).toEqual([second.key, first.key]);

    await settleSocialJobs(a);
    await get(a, shakeFiles).expect(200);
    const shared = await get(b, shakeFiles).expect(200);
    expect(shared.headers['x-cache']).toBe('HIT');
    expect(keysOf(shared.body)).toEqual([second.key, first.key]);
  });

  it('shows a title edited through one instance on the next read through the other', async () => {
    const file = await uploadAs(a, owner, { title: 'before' });
    const path = `/api/v1/files/${file.key}`;
    await get(b, path).expect(200);
    const cached = await get(b, path).expect(200);
    expect(cached.headers['x-cache']).toBe('HIT');
    expect(cached.body.title).toBe('before');

    await ctx.http(a).patch(path).set('Authorization', owner.auth).send({ title: 'after' }).expect(200);
    const fresh = await get(b, path).expect(200);
    expect(fresh.body.title).toBe('after');
    expect(fresh.headers['x-cache']).toBe('MISS');
  });

  it('shows counters a job changed, and drops a deleted file from the cached lists at once', async () => {
    const fan = await ctx.newUser(a);
    const file = await uploadAs(a, owner, { description: 'a #cachedtag picture' });
    const paths = [`/api/v1/files/${file.key}`, '/api/v1/tags/cachedtag', '/api/v1/incoming'];
    for (const path of paths) await get(a, path).expect(200);
    for (const path of paths) expect((await get(a, path).expect(200)).headers['x-cache']).toBe('HIT');

    await ctx.http(b).put(`/api/v1/files/${file.key}/like`).set('Authorization', fan.auth).expect(204);
    await settleSocialJobs(a);
    expect((await get(a, paths[0]).expect(200)).body.counts.likes).toBe(1);
    const tagged = await get(a, paths[1]).expect(200);
    expect(tagged.body.items.find((item: { key: string }) => item.key === file.key)?.counts.likes).toBe(1);

    await ctx.http(b).delete(`/api/v1/files/${file.key}`).set('Authorization', owner.auth).expect(204);
    await get(a, paths[0]).expect(404);
    expect(keysOf((await get(a, paths[1]).expect(200)).body)).not.toContain(file.key);
    expect(keysOf((await get(a, paths[2]).expect(200)).body)).not.toContain(file.key);
  });

  it('sends ETag, Cache-Control and Vary so a CDN can help, and 304 on a matching If-None-Match', async () => {
    const path = `/api/v1/shakes/${owner.username}`;
    const res = await get(a, path).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=0, s-maxage=0');
    expect(res.headers.vary).toMatch(/Authorization/i);
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);

    const notModified = await get(b, path).set('If-None-Match', res.headers.etag).expect(304);
    expect(notModified.text).toBe('');
    await get(b, path).set('If-None-Match', '"something-else"').expect(200);
  });

  it('never serves a caller who opted in to NSFW files a shared entry of a list, nor stores theirs; others share it', async () => {
    const viewer = await ctx.newUser(a);
    await ctx.http(a).patch('/api/v1/me').set('Authorization', viewer.auth).send({ showNsfw: true }).expect(200);
    const other = await ctx.newUser(a);
    await uploadAs(a, owner, { title: 'viewer test' });
    const lists = ['/api/v1/incoming', `/api/v1/shakes/${owner.username}/files`, '/api/v1/search?q=viewer'];
    for (const path of lists) {
      const mine = await get(a, path, viewer.auth).expect(200);
      expect(mine.headers['x-cache']).toBe('BYPASS');
      expect(mine.headers['cache-control']).toBe('private, no-cache');
      // Nothing was stored for the opted-in call: the next anonymous read is a miss, then a hit.
      expect((await get(b, path).expect(200)).headers['x-cache']).toBe('MISS');
      expect((await get(b, path).expect(200)).headers['x-cache']).toBe('HIT');
      // ...and that anonymous entry is never handed to the opted-in caller,
      expect((await get(b, path, viewer.auth).expect(200)).headers['x-cache']).toBe('BYPASS');
      // while a signed-in caller who did not opt in reads it, privately.
      const shared = await get(b, path, other.auth).expect(200);
      expect(shared.headers['x-cache']).toBe('HIT');
      expect(shared.headers['cache-control']).toBe('private, no-cache');
    }
  });

  it('lets signed-in callers share entries of routes that are the same for everyone, privately', async () => {
    const path = `/api/v1/users/${owner.username}`;
    await get(a, path).expect(200);
    const res = await get(a, path, owner.auth).expect(200);
    expect(res.headers['x-cache']).toBe('HIT');
    expect(res.headers['cache-control']).toBe('private, no-cache');
  });

  it('caches nothing by default, and never an error', async () => {
    const file = await uploadAs(a, owner);
    const comments = await get(a, `/api/v1/files/${file.key}/comments`).expect(200);
    expect(comments.headers['x-cache']).toBeUndefined();

    const missing = `/api/v1/shakes/no-such-shake-${Date.now()}`;
    await get(a, missing).expect(404);
    const again = await get(a, missing).expect(404);
    expect(again.headers['x-cache']).not.toBe('HIT');
    expect(again.body.message).toMatch(/shake/i);
    const badPage = await get(a, '/api/v1/incoming?before=not-a-cursor').expect(400);
    expect(badPage.body.stack).toBeUndefined();
  });

  it('counts hits, misses and bypasses where tests can read them', async () => {
    const nsfwViewer = await ctx.newUser(a);
    await ctx.http(a).patch('/api/v1/me').set('Authorization', nsfwViewer.auth).send({ showNsfw: true }).expect(200);
    const metrics = a.get(CacheMetrics);
    const before = metrics.snapshot();
    const path = `/api/v1/shakes/${owner.username}`;
    await get(a, path).expect(200);
    await get(a, path).expect(200);
    await get(a, '/api/v1/incoming', nsfwViewer.auth).expect(200);
    const after = metrics.snapshot();
    expect(after.hits + after.misses - before.hits - before.misses).toBe(2);
    expect(after.hits).toBeGreaterThan(before.hits);
    expect(after.bypasses - before.bypasses).toBe(1);
  });

  it('stores the serialised body with a TTL, keyed by the query in any order', async () => {
    await get(a, '/api/v1/search?q=viewer&limit=5').expect(200);
    expect((await get(a, '/api/v1/search?limit=5&q=viewer').expect(200)).headers['x-cache']).toBe('HIT');
    expect((await get(a, '/api/v1/search?limit=4&q=viewer').expect(200)).headers['x-cache']).toBe('MISS');
    const redis = ctx.redisClient();
    try {
      // On a cluster every key of the cache carries the hash tag {cache}: a lookup reads several in one script.
      const keys = await ctx.redisKeys(`${ctx.prefix}:${redisCluster ? '{cache}:' : ''}http:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const ttl = await redis.ttl(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(300);
      }
    } finally {
      await redis.quit();
    }
  });
}
