import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { randomBytes } from 'node:crypto';
import { type Model, Types } from 'mongoose';
import { type PruneResult, QUEUES } from '../src/jobs/queues';
import { type Notification, NotificationType } from '../src/notifications/schemas/notification.schema';
import type { Shake } from '../src/shakes/schemas/shake.schema';
import { TestContext, type TestUser } from './harness/test-app';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The daily prune: read notifications past NOTIFICATIONS_PRUNE_AFTER_DAYS go, each user's newest N always stay. */
describe('notifications prune job', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let notifications: Model<Notification>;
  let shakes: Model<Shake>;
  let queue: Queue;

  beforeAll(async () => {
    app = await ctx.startApp({ NOTIFICATIONS_PRUNE_AFTER_DAYS: '30', NOTIFICATIONS_KEEP_PER_USER: '3' });
    notifications = app.get(getModelToken('Notification'));
    shakes = app.get(getModelToken('Shake'));
    queue = app.get<Queue>(getQueueToken(QUEUES.notifications.name));
  });
  afterAll(() => ctx.close());

  const userIdOf = async (user: TestUser) => (await shakes.findOne({ nameLower: user.username.toLowerCase(), type: 'user' }))!.ownerId;
  /** An ObjectId made `daysAgo` days ago, as the driver would have made it then. */
  const idMadeDaysAgo = (daysAgo: number) =>
    new Types.ObjectId(
      Math.floor((Date.now() - daysAgo * DAY_MS) / 1000)
        .toString(16)
        .padStart(8, '0') + randomBytes(8).toString('hex'),
    );
  /** Seeds one notification as the social jobs write them, made `daysAgo` days ago and read or not. */
  const seed = async (recipientId: Types.ObjectId, actorId: Types.ObjectId, daysAgo: number, read: boolean) => {
    const _id = idMadeDaysAgo(daysAgo);
    const createdAt = _id.getTimestamp();
    await notifications.collection.insertOne({
      _id,
      recipientId,
      actorId,
      type: NotificationType.Like,
      shakeId: null,
      fileId: new Types.ObjectId(),
      commentId: null,
      dedupeKey: `like:${actorId.toHexString()}::${_id.toHexString()}:`,
      createdAt,
      readAt: read ? new Date(createdAt.getTime() + 60_000) : null,
    });
    return _id.toHexString();
  };
  const idsOf = async (recipientId: Types.ObjectId) =>
    (await notifications.find({ recipientId }, { _id: 1 }).lean()).map((n) => n._id.toHexString()).sort();
  const runPrune = async (): Promise<PruneResult> => (await queue.add(QUEUES.notifications.jobs.prune, {})).finished();

  it('is scheduled to repeat daily by the worker', async () => {
    const repeatable = await queue.getRepeatableJobs();
    expect(repeatable.map((job) => [job.name, Number(job.every)]).sort()).toEqual([
      [QUEUES.notifications.jobs.digest, DAY_MS],
      [QUEUES.notifications.jobs.prune, DAY_MS],
    ]);
  });

  it("deletes read notifications past the age, keeps unread and recent ones and every user's newest 3", async () => {
    const [alice, bob, carol, actor] = await Promise.all([ctx.newUser(app), ctx.newUser(app), ctx.newUser(app), ctx.newUser(app)]);
    const [a, b, c, by] = await Promise.all([alice, bob, carol, actor].map(userIdOf));

    // Alice: two recent read ones and, past 30 days, one unread and four read; her newest 3 are the two recent
    // ones and the read one of 40 days, which therefore stays too.
    const aliceKept = [await seed(a, by, 1, true), await seed(a, by, 2, true), await seed(a, by, 40, true), await seed(a, by, 60, false)];
    const aliceGone = [await seed(a, by, 41, true), await seed(a, by, 50, true), await seed(a, by, 300, true)];
    // Bob: only two, both old and read: within his newest 3, so both stay.
    const bobKept = [await seed(b, by, 100, true), await seed(b, by, 200, true)];
    // Carol: six old read ones: the newest 3 stay.
    const carolAll = [];
    for (let day = 31; day <= 36; day++) carolAll.push(await seed(c, by, day, true));

    const before = await ctx.http(app).get('/api/v1/notifications').set('Authorization', alice.auth).expect(200);
    expect(before.body.items).toHaveLength(7);

    expect(await runPrune()).toEqual({ recipients: 2, deleted: 6 });
    expect(await idsOf(a)).toEqual([...aliceKept].sort());
    expect(await idsOf(b)).toEqual([...bobKept].sort());
    expect(await idsOf(c)).toEqual(carolAll.slice(0, 3).sort());
    expect(await notifications.countDocuments({ _id: { $in: aliceGone.map((id) => new Types.ObjectId(id)) } })).toBe(0);

    const after = await ctx.http(app).get('/api/v1/notifications').set('Authorization', alice.auth).expect(200);
    expect(after.body.items.map((n: { id: string }) => n.id).sort()).toEqual([...aliceKept].sort());
    expect(after.body.unread).toBe(1);

    // Running it again changes nothing: it is idempotent.
    expect(await runPrune()).toEqual({ recipients: 0, deleted: 0 });
    expect(await idsOf(a)).toEqual([...aliceKept].sort());
  });
});
