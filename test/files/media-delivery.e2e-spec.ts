import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import Redis from 'ioredis';
import mongoose, { type Model } from 'mongoose';
import { MetricsRegistry } from '../../src/common/metrics/metrics-registry';
import { MediaDelivery } from '../../src/files/delivery/media-delivery.service';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import { ViewsCounter } from '../../src/files/views.counter';
import { QUEUES } from '../../src/jobs/queues';
import { Role } from '../../src/common/auth/role';
import { UsersService } from '../../src/users/users.service';
import { settleSocialJobs } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { eventually } from '../harness/servers';
import { FreezableTcpProxy } from '../harness/tcp-proxy';
import { TestContext, type TestUser } from '../harness/test-app';

/** The bound under test: a process trusts its media cache only while it read the invalidation feed this recently. */
const MAX_LAG_MS = 1500;
/** Time to notice, beside the bound: polling every 50 ms and one request through the database. */
const SLACK_MS = 500;

/**
 * The media hot path across API processes: A and B are two API instances on one database and one Redis (B
 * reaches Redis through a proxy the tests can freeze); a worker makes the variants and folds the views.
 */
describe('media delivery across API instances', () => {
  const ctx = new TestContext(__filename);
  const proxy = new FreezableTcpProxy('127.0.0.1', Number(new URL(process.env.MALTED_TEST_REDIS_URL!).port || 6379));
  const env = { MALTED_MODE: 'api', MEDIA_CACHE_MAX_LAG_MS: String(MAX_LAG_MS), STORAGE_DRIVER: 'gridfs' };
  let a: NestExpressApplication;
  let b: NestExpressApplication;
  let worker: NestExpressApplication | undefined;
  let alice: TestUser;
  let bob: TestUser;
  let posts: Model<SharedFile>;
  /**
   * Lookups of a post by share key seen in this process (every app of this file runs here), for "no database on a
   * hit"; jobs that read posts by id (search, counters) do not count.
   */
  let postReads = 0;

  beforeAll(async () => {
    await proxy.start();
    a = await ctx.startApp(env);
    b = await ctx.startApp({ ...env, REDIS_URL: proxy.url });
    [alice, bob] = [await ctx.newUser(a), await ctx.newUser(a)];
    posts = a.get(getModelToken('SharedFile'));
    for (const app of [a, b]) expect(await eventually(async () => app.get(MediaDelivery).cacheTrusted, Boolean)).toBe(true);
    mongoose.set('debug', (collection: string, _method: string, query: { key?: unknown } | undefined) => {
      if (collection === 'shared_files' && query?.key !== undefined) postReads++;
    });
  });
  afterAll(async () => {
    mongoose.set('debug', false);
    proxy.thaw();
    await ctx.close();
    await proxy.stop();
  });

  const get = (app: NestExpressApplication, path: string, auth?: string) => {
    const req = ctx.http(app).get(path);
    return auth ? req.set('Authorization', auth) : req;
  };
  const deleteAs = (user: TestUser, key: string) => ctx.http(a).delete(`/api/v1/files/${key}`).set('Authorization', user.auth).expect(204);
  /** How long after `since` B first answered 404 for the key. */
  const untilGoneOnB = async (key: string, since: number) => {
    const res = await eventually(
      () => get(b, `/r/${key}`),
      (r) => r.status === 404,
      MAX_LAG_MS * 4,
    );
    expect(res.status).toBe(404);
    return Date.now() - since;
  };
  const startWorker = async () => {
    worker ??= await ctx.startApp({ ...env, MALTED_MODE: 'worker' });
  };

  it('answers 202 for a thumbnail still being made, and does not keep that as final', async () => {
    const { key } = await uploadAs(a, alice);
    for (const path of [`/t/${key}`, `/api/v1/files/${key}/small`]) {
      const pending = await get(b, path).expect(202);
      expect(pending.headers['retry-after']).toBe('2');
    }
    await get(b, `/r/${key}`).expect(200); // the entry is cached now, its variants pending
    await startWorker();
    const made = await eventually(
      () => get(b, `/t/${key}`),
      (r) => r.status === 200,
      20_000,
    );
    expect(made.status).toBe(200);
    await get(b, `/s/${key}`).expect(200);
  });

  it('serves a warm key with no database read and no Redis round trip per request', async () => {
    await startWorker();
    const { key } = await uploadAs(a, alice);
    await get(b, `/r/${key}`).expect(200);
    expect(b.get(MediaDelivery).cachedEntries).toBeGreaterThan(0);
    await settleSocialJobs(a); // the worker (in this process too) reads posts after an upload
    postReads = 0;
    proxy.resetCount();
    const hits = 200;
    for (let i = 0; i < hits; i++) await get(b, `/r/${key}`).expect(200);
    expect(postReads).toBe(0);
    // Only the feed's blocking reads (one per MAX_LAG_MS / 3) went to Redis: well under one command per hit.
    expect(proxy.bytesUp).toBeLessThan(hits * 10);
    const metrics = await b.get(MetricsRegistry).metrics();
    expect(Number(/^malted_media_lookups_total\{result="hit"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(hits);
    expect(metrics).toMatch(/^malted_media_cache_trusted 1$/m);
    expect(Number(/^malted_media_bytes_cache_bytes (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0); // the image is small
  });

  it('stops serving a deleted file on the other instance, cache warm, within the bound', async () => {
    const { key } = await uploadAs(a, alice);
    for (const app of [a, b]) await get(app, `/r/${key}`).expect(200);
    expect(b.get(MediaDelivery).cachedEntries).toBeGreaterThan(0);
    const deletedAt = Date.now();
    await deleteAs(alice, key);
    expect(await untilGoneOnB(key, deletedAt)).toBeLessThan(MAX_LAG_MS + SLACK_MS);
    await get(b, `/api/v1/files/${key}/raw`).expect(404);
  });

  it('stops within the bound even when the other instance cannot read the feed (its Redis link frozen)', async () => {
    const { key } = await uploadAs(a, alice);
    await get(b, `/r/${key}`).expect(200);
    expect(b.get(MediaDelivery).cachedEntries).toBeGreaterThan(0);
    proxy.freeze();
    try {
      const deletedAt = Date.now();
      await deleteAs(alice, key); // published by A; B never hears of it
      expect(await untilGoneOnB(key, deletedAt)).toBeLessThan(MAX_LAG_MS + SLACK_MS);
      // Meanwhile B still serves what is live, from the database.
      const { key: live } = await uploadAs(a, alice);
      await get(b, `/r/${live}`).expect(200);
    } finally {
      proxy.thaw();
    }
    // The feed comes back, and with it the cache.
    const { key: again } = await uploadAs(a, alice);
    await eventually(
      async () => (await get(b, `/r/${again}`), b.get(MediaDelivery).cachedEntries),
      (entries) => entries > 0,
      MAX_LAG_MS * 6,
    );
    expect(b.get(MediaDelivery).cachedEntries).toBeGreaterThan(0);
  });

  it('drops its whole cache on a gap in the feed (entries trimmed or lost), and so a change it never heard of', async () => {
    const { key } = await uploadAs(a, alice);
    await get(b, `/r/${key}`).expect(200);
    // Deleted behind every cache's back: no invalidation is published for it.
    await posts.updateOne({ key }, { $set: { deletedAt: new Date() } });
    await get(b, `/r/${key}`).expect(200); // still the warm entry: the cache does not ask the database
    const redis = new Redis(process.env.MALTED_TEST_REDIS_URL!);
    try {
      // An entry whose number skips ahead, as B would see after missing some.
      await redis.xadd(`${ctx.prefix}:media:invalidations`, '*', 's', '999999999', 'k', 'AAAAAAAAAA');
    } finally {
      await redis.quit();
    }
    const res = await eventually(
      () => get(b, `/r/${key}`),
      (r) => r.status === 404,
      MAX_LAG_MS * 2,
    );
    expect(res.status).toBe(404);
  });

  it('after its feed connection dropped, does not serve a file deleted while it was away', async () => {
    // A bound far longer than the test: only the flush on reconnecting can drop the entry in time.
    const c = await ctx.startApp({ ...env, REDIS_URL: proxy.url, MEDIA_CACHE_MAX_LAG_MS: '60000' });
    try {
      expect(await eventually(async () => c.get(MediaDelivery).cacheTrusted, Boolean)).toBe(true);
      const { key } = await uploadAs(a, alice);
      await get(c, `/r/${key}`).expect(200);
      proxy.freeze();
      await deleteAs(alice, key);
      await get(c, `/r/${key}`).expect(200); // within its (long) bound, C cannot know yet
      proxy.dropConnections();
      proxy.thaw();
      const res = await eventually(
        () => get(c, `/r/${key}`),
        (r) => r.status === 404,
        10_000,
      );
      expect(res.status).toBe(404);
    } finally {
      proxy.thaw();
      await ctx.closeApp(c);
    }
  });

  it('stops serving the files of a disabled owner and of a removed group shake on every instance', async () => {
    const carol = await ctx.newUser(a);
    const { key: carols } = await uploadAs(a, carol);
    const shake = `g${Date.now().toString(36)}`;
    await ctx.http(a).post('/api/v1/shakes').set('Authorization', bob.auth).send({ name: shake, title: 'Group' }).expect(201);
    const { key: grouped } = await uploadAs(a, bob, { shake });
    for (const key of [carols, grouped]) await get(b, `/r/${key}`).expect(200);

    const admin = await ctx.newUser(a);
    const users = a.get(UsersService);
    await users.update((await users.getByUsername(admin.username))._id, { role: Role.Admin });
    let since = Date.now();
    await ctx.http(a).patch(`/api/v1/admin/users/${carol.username}`).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
    expect(await untilGoneOnB(carols, since)).toBeLessThan(MAX_LAG_MS + SLACK_MS);

    since = Date.now();
    await ctx.http(a).delete(`/api/v1/shakes/${shake}`).set('Authorization', bob.auth).expect(204);
    expect(await untilGoneOnB(grouped, since)).toBeLessThan(MAX_LAG_MS + SLACK_MS);
  });

  it('keeps the NSFW and view rules on the fast path: NSFW bytes still served, owner views not counted, counts folded in', async () => {
    await startWorker();
    const { key } = await uploadAs(a, alice);
    await get(b, `/r/${key}`).expect(200); // warm on B: one view (anonymous)
    await ctx.http(a).patch(`/api/v1/files/${key}`).set('Authorization', alice.auth).send({ nsfw: true }).expect(200);
    // NSFW hides a file from the streams, not its bytes from someone who has the link.
    await get(b, `/r/${key}`, bob.auth).expect(200); // a view
    await get(b, `/r/${key}`, alice.auth).expect(200); // the owner: not a view
    await get(a, `/api/v1/files/${key}/raw`, alice.auth).expect(200); // the owner: not a view
    await get(a, `/api/v1/files/${key}/raw`).expect(200); // a view
    expect((await get(a, `/api/v1/files/${key}`).expect(200)).body.nsfw).toBe(true);
    // Nothing reached Redis per request: each instance flushes its counts in one pipeline.
    await Promise.all([a.get(ViewsCounter).flush(), b.get(ViewsCounter).flush()]);
    await (await worker!.get<Queue>(getQueueToken(QUEUES.files.name)).add(QUEUES.files.jobs.foldViews, {})).finished();
    expect((await get(a, `/api/v1/files/${key}`).expect(200)).body.counts.views).toBe(3);
  });

  it('hands the views still in memory to Redis when an instance shuts down', async () => {
    await startWorker();
    const { key } = await uploadAs(a, alice);
    const c = await ctx.startApp(env);
    await get(c, `/r/${key}`).expect(200);
    await get(c, `/r/${key}`, bob.auth).expect(200);
    expect(c.get(ViewsCounter).unflushed).toBe(2);
    await ctx.closeApp(c);
    await (await worker!.get<Queue>(getQueueToken(QUEUES.files.name)).add(QUEUES.files.jobs.foldViews, {})).finished();
    expect((await get(a, `/api/v1/files/${key}`).expect(200)).body.counts.views).toBe(2);
  });
});
