import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import type request from 'supertest';
import type { SharedFile } from '../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../src/files/schemas/source-file.schema';
import { STORAGE_DRIVER, type StorageDriver } from '../src/files/storage/storage-driver';
import type { OutboxEntry } from '../src/jobs/outbox.schema';
import type { Notification } from '../src/notifications/schemas/notification.schema';
import { png, randomColor } from './harness/images';
import { settleQueues } from './harness/jobs';
import { uploadAs } from './harness/posts';
import { DisposableRedis, eventually, freePort } from './harness/servers';
import { TestContext, type TestUser } from './harness/test-app';

/** Every request made while Redis is away must answer this fast, with its usual status. */
const ANSWER_WITHIN_MS = 2000;

/**
 * The seam between facts and jobs when Redis goes away: an API process and a worker process on a private
 * redis-server that the test freezes, kills and restarts empty. Nothing a request acknowledged may be lost, and
 * nothing may happen twice.
 */
describe('facts and their jobs while Redis is away', () => {
  const ctx = new TestContext(__filename);
  let redis: DisposableRedis;
  let api: NestExpressApplication;
  let worker: NestExpressApplication;
  let outbox: Model<OutboxEntry>;
  let posts: Model<SharedFile>;
  let sources: Model<SourceFile>;
  let notifications: Model<Notification>;
  let storage: StorageDriver;

  const workerEnv = { MALTED_MODE: 'worker', JOB_RECOVERY_INTERVAL_MS: '300', JOB_SWEEP_GRACE_SECONDS: '1' };

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    api = await ctx.startApp({ MALTED_MODE: 'api', REDIS_URL: redis.url });
    worker = await ctx.startApp({ ...workerEnv, REDIS_URL: redis.url });
    outbox = api.get(getModelToken('OutboxEntry'));
    posts = api.get(getModelToken('SharedFile'));
    sources = api.get(getModelToken('SourceFile'));
    notifications = api.get(getModelToken('Notification'));
    storage = api.get(STORAGE_DRIVER);
  });
  afterAll(async () => {
    redis.resume();
    await redis.start();
    await ctx.close();
    await redis.stop();
  });

  const http = () => ctx.http(api);
  const timed = async (req: request.Test, status: number): Promise<{ ms: number; res: request.Response }> => {
    const started = Date.now();
    const res = await req;
    const ms = Date.now() - started;
    expect({ status: res.status, fast: ms < ANSWER_WITHIN_MS }).toEqual({ status, fast: true });
    return { ms, res };
  };
  const thumbnail = (key: string) => http().get(`/api/v1/files/${key}/thumbnail`);
  const thumbnailMade = (key: string, timeoutMs = 20_000) =>
    eventually(
      () => thumbnail(key),
      (res) => res.status === 200,
      timeoutMs,
    );
  const describeFile = async (key: string) => (await http().get(`/api/v1/files/${key}`).expect(200)).body;
  const shakeOf = async (name: string) => (await http().get(`/api/v1/shakes/${name}`).expect(200)).body;
  const notificationsOf = async (user: TestUser) =>
    (await http().get('/api/v1/notifications').set('Authorization', user.auth).expect(200)).body.items as { type: string }[];
  const settled = () => settleQueues(api);

  /** One of each fact (upload, like, follow, comment, delete), by bob on alice's things; returns what to check after. */
  const actWhileAway = async (alice: TestUser, bob: TestUser) => {
    const liked = await uploadAs(api, alice);
    const doomed = await uploadAs(api, alice);
    await thumbnailMade(doomed.key);
    await settled();
    const doomedSource = (await posts.findOne({ key: doomed.key }).lean().orFail()).sourceId;
    const doomedStorageKey = (await sources.findById(doomedSource).lean().orFail()).storageKey;
    return {
      liked,
      doomedSource,
      doomedStorageKey,
      run: async () => {
        const latencies: number[] = [];
        const image = await png(20, 20, randomColor());
        const uploaded = await timed(
          http()
            .post('/api/v1/files')
            .set('Authorization', bob.auth)
            .attach('file', image, { filename: 'b.png', contentType: 'image/png' }),
          201,
        );
        latencies.push(uploaded.ms);
        latencies.push((await timed(http().put(`/api/v1/files/${liked.key}/like`).set('Authorization', bob.auth), 204)).ms);
        latencies.push((await timed(http().put(`/api/v1/shakes/${alice.username}/follow`).set('Authorization', bob.auth), 204)).ms);
        latencies.push(
          (await timed(http().post(`/api/v1/files/${liked.key}/comments`).set('Authorization', bob.auth).send({ body: 'while away' }), 201))
            .ms,
        );
        latencies.push((await timed(http().delete(`/api/v1/files/${doomed.key}`).set('Authorization', alice.auth), 204)).ms);
        return { uploadedKey: uploaded.res.body.key as string, latencies };
      },
    };
  };

  /** After Redis is back: every job ran, once. */
  const expectAllDone = async (
    alice: TestUser,
    bob: TestUser,
    facts: { liked: { key: string }; doomedSource: unknown; doomedStorageKey: string },
    uploadedKey: string,
  ) => {
    await thumbnailMade(uploadedKey);
    await eventually(
      () => outbox.countDocuments(),
      (n) => n === 0,
      20_000,
    );
    await eventually(
      () => sources.findById(facts.doomedSource).lean(),
      (doc) => doc === null,
      20_000,
    );
    await eventually(
      () => storage.stat(facts.doomedStorageKey),
      (stat) => stat === null,
      20_000,
    );
    await eventually(
      () => describeFile(facts.liked.key),
      (file) => file.counts.likes === 1 && file.counts.comments === 1,
      20_000,
    );
    await eventually(
      () => shakeOf(alice.username),
      (shake) => shake.followerCount === 1 && shake.fileCount === 1,
      20_000,
    );
    await eventually(
      () => shakeOf(bob.username),
      (shake) => shake.fileCount === 1,
      20_000,
    );
    await settled();
    expect((await notificationsOf(alice)).map((n) => n.type).sort()).toEqual(['comment', 'follow', 'like']);
    expect(await notifications.countDocuments()).toBe(3);
  };

  afterEach(async () => {
    await notifications.deleteMany({});
  });

  it('answers at once while Redis is frozen, and runs every job exactly once when it thaws', async () => {
    const [alice, bob] = [await ctx.newUser(api), await ctx.newUser(api)];
    const facts = await actWhileAway(alice, bob);

    redis.pause();
    let uploadedKey: string;
    try {
      const { uploadedKey: key, latencies } = await facts.run();
      uploadedKey = key;
      expect(Math.max(...latencies)).toBeLessThan(ANSWER_WITHIN_MS);
      expect(await outbox.countDocuments()).toBeGreaterThan(0);
    } finally {
      redis.resume();
    }
    // The adds that timed out reach Redis now, and the outbox copies land on the same job ids.
    await expectAllDone(alice, bob, facts, uploadedKey);
  });

  it('answers at once while Redis is down, and runs every job once it is back (empty)', async () => {
    const [alice, bob] = [await ctx.newUser(api), await ctx.newUser(api)];
    const facts = await actWhileAway(alice, bob);

    await redis.stop();
    const { uploadedKey, latencies } = await facts.run();
    expect(Math.max(...latencies)).toBeLessThan(ANSWER_WITHIN_MS);
    expect(await outbox.countDocuments()).toBeGreaterThanOrEqual(5);

    await redis.start();
    await expectAllDone(alice, bob, facts, uploadedKey);
  });

  it('recovers from the database what a Redis that restarted empty lost: thumbnails made, counts exact', async () => {
    const [alice, bob] = [await ctx.newUser(api), await ctx.newUser(api)];
    await ctx.closeApp(worker); // nobody runs jobs: they wait in Redis
    const first = await uploadAs(api, alice);
    const second = await uploadAs(api, alice);
    await http().put(`/api/v1/files/${first.key}/like`).set('Authorization', bob.auth).expect(204);
    await http().post(`/api/v1/files/${first.key}/comments`).set('Authorization', bob.auth).send({ body: 'soon lost' }).expect(201);
    await http().put(`/api/v1/shakes/${alice.username}/follow`).set('Authorization', bob.auth).expect(204);
    expect(await outbox.countDocuments()).toBe(0); // Redis took every job...
    const social = api.get<Queue>(getQueueToken('social'));
    expect((await social.getJobCounts()).waiting).toBeGreaterThanOrEqual(5);

    await redis.stop(); // ...and loses them all
    await redis.start();
    const started = Date.now();
    worker = await ctx.startApp({ ...workerEnv, REDIS_URL: redis.url });

    await thumbnailMade(first.key);
    await thumbnailMade(second.key);
    await eventually(
      () => describeFile(first.key),
      (file) => file.counts.likes === 1 && file.counts.comments === 1,
      20_000,
    );
    await eventually(
      () => shakeOf(alice.username),
      (shake) => shake.followerCount === 1 && shake.fileCount === 2,
      20_000,
    );
    // The sweep grace (1 s here) and a few recovery rounds (300 ms here), plus the work itself.
    expect(Date.now() - started).toBeLessThan(15_000);
    await settled();
    // What the lost jobs would have notified is not sent again (see README), and nothing is sent twice.
    expect(await notifications.countDocuments({ type: { $in: ['like', 'comment', 'follow'] } })).toBeLessThanOrEqual(3);
  });
});
