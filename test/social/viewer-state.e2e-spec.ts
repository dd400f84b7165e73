import type { NestExpressApplication } from '@nestjs/platform-express';
import Redis from 'ioredis';
import { settleQueues } from '../harness/jobs';
import { uploadAs, type Uploaded } from '../harness/posts';
import { recordReads } from '../harness/query-plans';
import { DisposableRedis, freePort } from '../harness/servers';
import { TestContext, type TestUser } from '../harness/test-app';

interface FileJson {
  key: string;
  viewer?: { liked: boolean; saved: boolean };
}

/**
 * `viewer` on files and shakes: per caller, added after the shared response cache, with two API instances on one
 * Redis (a private redis-server, so a MONITOR connection sees this file's commands only) and one database.
 */
describe('viewer state (two API instances, one Redis, one worker)', () => {
  const ctx = new TestContext(__filename);
  let redis: DisposableRedis;
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let owner: TestUser;
  let alice: TestUser;
  let bob: TestUser;
  let file: Uploaded;
  let others: Uploaded[];
  let aliceShake: string;
  let aliceSave: FileJson;
  const word = `viewerword${Date.now().toString(36)}`;

  const get = (app: NestExpressApplication, path: string, auth?: string) => {
    const req = ctx.http(app).get(path);
    return auth ? req.set('Authorization', auth) : req;
  };
  const paths = () => ({
    file: `/api/v1/files/${file.key}`,
    shakeFiles: `/api/v1/shakes/${owner.username}/files`,
    search: `/api/v1/search?q=${word}`,
  });
  const inList = (body: { items: FileJson[] }) => body.items.find((item) => item.key === file.key);

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    const env = { REDIS_URL: redis.url };
    a = await ctx.startApp({ ...env, MALTED_MODE: 'api' });
    b = await ctx.startApp({ ...env, MALTED_MODE: 'api' });
    await ctx.startApp({ ...env, MALTED_MODE: 'worker' });
    [owner, alice, bob] = [await ctx.newUser(a), await ctx.newUser(a), await ctx.newUser(a)];
    aliceShake = `g${Date.now().toString(36)}`;
    await ctx.http(a).post('/api/v1/shakes').set('Authorization', alice.auth).send({ name: aliceShake, title: 'Alice keeps' }).expect(201);
    file = await uploadAs(a, owner, { title: 'the one', description: `a ${word} picture` });
    others = [];
    for (let i = 0; i < 5; i++) others.push(await uploadAs(a, owner, { title: `other ${i}`, description: `also ${word}` }));

    await ctx.http(a).put(`/api/v1/shakes/${owner.username}/follow`).set('Authorization', alice.auth).expect(204);
    await ctx.http(a).put(`/api/v1/files/${file.key}/like`).set('Authorization', alice.auth).expect(204);
    const saved = await ctx
      .http(a)
      .post(`/api/v1/files/${file.key}/save`)
      .set('Authorization', alice.auth)
      .send({ shake: aliceShake })
      .expect(201);
    aliceSave = saved.body as FileJson;
    await settleQueues(a);
  });
  afterAll(async () => {
    await ctx.close();
    await redis.stop();
  });

  it('answers a save with the new post, whose viewer part says it is saved', () => {
    expect(aliceSave.viewer).toEqual({ liked: false, saved: true });
  });

  it('shows the liker and saver liked and saved everywhere, others false, anonymous callers nothing, from warm shared entries', async () => {
    const { file: filePath, shakeFiles, search } = paths();
    // Warm the shared entries anonymously through one instance...
    for (const path of [filePath, shakeFiles, search]) {
      await get(a, path).expect(200);
      expect((await get(a, path).expect(200)).headers['x-cache']).toBe('HIT');
    }
    // ...and read them signed in through the other.
    const mine = await get(b, filePath, alice.auth).expect(200);
    expect([mine.headers['x-cache'], mine.body.viewer]).toEqual(['HIT', { liked: true, saved: true }]);
    const myList = await get(b, shakeFiles, alice.auth).expect(200);
    expect([myList.headers['x-cache'], inList(myList.body)?.viewer]).toEqual(['HIT', { liked: true, saved: true }]);
    expect(myList.body.items.filter((item: FileJson) => item.key !== file.key).map((item: FileJson) => item.viewer)).toEqual(
      others.map(() => ({ liked: false, saved: false })),
    );
    const mySearch = await get(b, search, alice.auth).expect(200);
    expect([mySearch.headers['x-cache'], inList(mySearch.body)?.viewer]).toEqual(['HIT', { liked: true, saved: true }]);
    const timeline = await get(b, '/api/v1/timeline', alice.auth).expect(200);
    expect(inList(timeline.body)?.viewer).toEqual({ liked: true, saved: true });
    expect((await get(b, `/api/v1/users/${alice.username}/likes`, alice.auth).expect(200)).body.items[0].viewer).toEqual({
      liked: true,
      saved: true,
    });

    for (const app of [a, b]) {
      const theirs = await get(app, filePath, bob.auth).expect(200);
      expect([theirs.headers['x-cache'], theirs.body.viewer]).toEqual(['HIT', { liked: false, saved: false }]);
      const theirList = await get(app, shakeFiles, bob.auth).expect(200);
      expect([theirList.headers['x-cache'], inList(theirList.body)?.viewer]).toEqual(['HIT', { liked: false, saved: false }]);
      const theirSearch = await get(app, search, bob.auth).expect(200);
      expect([theirSearch.headers['x-cache'], inList(theirSearch.body)?.viewer]).toEqual(['HIT', { liked: false, saved: false }]);

      const anonymous = await get(app, filePath).expect(200);
      expect([anonymous.headers['x-cache'], 'viewer' in anonymous.body]).toEqual(['HIT', false]);
      for (const path of [shakeFiles, search]) {
        const list = await get(app, path).expect(200);
        expect([list.headers['x-cache'], list.body.items.some((item: object) => 'viewer' in item)]).toEqual(['HIT', false]);
      }
    }

    // No shared entry ever holds a viewer part.
    const client = new Redis(redis.url);
    const entries = await client.keys(`${ctx.prefix}:http:*`);
    expect(entries.length).toBeGreaterThanOrEqual(3);
    for (const key of entries) expect(await client.get(key)).not.toContain('"viewer"');
    await client.quit();
  });

  it('shows shakes with following and canPost for the caller', async () => {
    const ownersShake = await get(b, `/api/v1/shakes/${owner.username}`, alice.auth).expect(200);
    expect(ownersShake.body.viewer).toEqual({ following: true, canPost: false });
    expect((await get(b, `/api/v1/shakes/${aliceShake}`, alice.auth).expect(200)).body.viewer).toEqual({ following: false, canPost: true });
    expect((await get(b, `/api/v1/shakes/${owner.username}`, owner.auth).expect(200)).body.viewer).toEqual({
      following: false,
      canPost: true,
    });
    expect('viewer' in (await get(b, `/api/v1/shakes/${owner.username}`).expect(200)).body).toBe(false);
    const following = await get(b, '/api/v1/me/following', alice.auth).expect(200);
    expect(following.body.items[0].shake.viewer).toEqual({ following: true, canPost: false });
  });

  it('costs one Redis round trip on a signed-in cache hit, as on an anonymous one', async () => {
    const client = new Redis(redis.url);
    const monitor = await client.monitor();
    const cacheCommands: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source === 'lua') return; // commands a script ran inside its one round trip
      if (args.slice(1).some((arg) => arg.startsWith(`${ctx.prefix}:http:`) || arg.startsWith(`${ctx.prefix}:gen:`))) {
        cacheCommands.push(args);
      }
    });
    const countDuring = async (action: () => Promise<unknown>) => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      cacheCommands.length = 0;
      await action();
      await new Promise((resolve) => setTimeout(resolve, 200)); // MONITOR lines arrive after the answers
      return cacheCommands.map((args) => args[0].toLowerCase());
    };
    const { file: filePath, shakeFiles } = paths();
    await get(b, shakeFiles).expect(200);
    for (const [path, auth] of [
      [filePath, undefined],
      [filePath, alice.auth],
      [shakeFiles, alice.auth],
      [shakeFiles, bob.auth],
    ] as const) {
      let cache: string | undefined;
      const commands = await countDuring(async () => {
        cache = (await get(b, path, auth).expect(200)).headers['x-cache'];
      });
      expect([path, auth !== undefined, cache, commands]).toEqual([path, auth !== undefined, 'HIT', ['evalsha']]);
    }
    monitor.disconnect();
    await client.quit();
  });

  it('reads a page of files with one query for likes and one for saves, whatever its size', async () => {
    const { shakeFiles } = paths();
    const viewerReads = async (limit: number) => {
      const reads = await recordReads(() => get(a, `${shakeFiles}?limit=${limit}`, bob.auth).expect(200));
      const likes = reads.filter((read) => read.collection === 'likes');
      const saves = reads.filter((read) => read.collection === 'shared_files' && 'saveKey' in read.filter);
      const keyLookups = reads.filter((read) => read.collection === 'shared_files' && 'key' in read.filter);
      return { likes: likes.length, saves: saves.length, keyLookups: keyLookups.length, all: reads.length };
    };
    // The shared entries are warm: no stream query at all, only the caller's token and the viewer part.
    for (const limit of [2, 6]) await get(b, `${shakeFiles}?limit=${limit}`).expect(200);
    const two = await viewerReads(2);
    const six = await viewerReads(6);
    expect([two.likes, two.saves, six.likes, six.saves]).toEqual([1, 1, 1, 1]);
    expect(two.keyLookups).toBeLessThanOrEqual(1);
    expect(six.keyLookups).toBeLessThanOrEqual(1);
    expect(six.all).toBe(two.all); // the same queries (auth, viewer), however many files
  });

  it('flips back on unlike and unsave, at once even from the cache, and a deleted save no longer counts', async () => {
    const { file: filePath, shakeFiles } = paths();
    const before = await get(b, filePath, alice.auth).expect(200);
    expect(before.body.viewer).toEqual({ liked: true, saved: true });
    // The ETag covers the viewer part: a client that kept it does not get a 304 for a stale one.
    await get(b, filePath, alice.auth).set('If-None-Match', before.headers.etag).expect(304);

    await ctx.http(a).delete(`/api/v1/files/${file.key}/like`).set('Authorization', alice.auth).expect(204);
    const unliked = await get(b, filePath, alice.auth).set('If-None-Match', before.headers.etag).expect(200);
    expect(unliked.body.viewer).toEqual({ liked: false, saved: true });

    await ctx.http(a).delete(`/api/v1/files/${aliceSave.key}`).set('Authorization', alice.auth).expect(204);
    expect((await get(b, filePath, alice.auth).expect(200)).body.viewer).toEqual({ liked: false, saved: false });
    expect(inList((await get(b, shakeFiles, alice.auth).expect(200)).body)?.viewer).toEqual({ liked: false, saved: false });

    const again = await ctx.http(b).post(`/api/v1/files/${file.key}/save`).set('Authorization', alice.auth).send({}).expect(201);
    expect(again.body.viewer).toEqual({ liked: false, saved: true });
    expect((await get(a, filePath, alice.auth).expect(200)).body.viewer).toEqual({ liked: false, saved: true });
  });
});
