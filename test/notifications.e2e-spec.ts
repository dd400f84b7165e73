import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { type Model, Types } from 'mongoose';
import { encodeCursor } from '../src/common/pagination/cursor';
import { QUEUES } from '../src/jobs/queues';
import { NotificationsService, RENOTIFY_AFTER_MS } from '../src/notifications/notifications.service';
import { type Notification, NotificationType } from '../src/notifications/schemas/notification.schema';
import type { Shake } from '../src/shakes/schemas/shake.schema';
import { settleQueues, settleSocialJobs } from './harness/jobs';
import { TestContext, type TestUser } from './harness/test-app';

describe('notifications', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let notifications: Model<Notification>;
  let shakes: Model<Shake>;

  beforeAll(async () => {
    app = await ctx.startApp();
    notifications = app.get(getModelToken('Notification'));
    shakes = app.get(getModelToken('Shake'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const unique = (base: string) => `${base}${Math.random().toString(36).slice(2, 8)}`;
  const follow = (user: TestUser, name: string) => http().put(`/api/v1/shakes/${name}/follow`).set('Authorization', user.auth).expect(204);
  const unfollow = (user: TestUser, name: string) =>
    http().delete(`/api/v1/shakes/${name}/follow`).set('Authorization', user.auth).expect(204);
  const inbox = async (user: TestUser, query: Record<string, string | number> = {}) =>
    (await http().get('/api/v1/notifications').query(query).set('Authorization', user.auth).expect(200)).body;
  const markRead = (user: TestUser, body: Record<string, unknown> = {}) =>
    http().post('/api/v1/notifications/read').set('Authorization', user.auth).send(body);
  const userIdOf = async (user: TestUser) => (await shakes.findOne({ nameLower: user.username.toLowerCase(), type: 'user' }))!.ownerId;

  it('notifies the owner of a followed shake once the job ran, unread, and nobody else', async () => {
    const owner = await ctx.newUser(app);
    const fan = await ctx.newUser(app);
    expect(await inbox(owner)).toEqual({ items: [], unread: 0, next: null, prev: null, readCursor: null });

    await follow(fan, owner.username);
    await settleSocialJobs(app);

    const page = await inbox(owner);
    expect(page.unread).toBe(1);
    expect(page.items).toEqual([
      {
        id: expect.any(String),
        type: 'follow',
        actor: { username: fan.username },
        shake: { name: owner.username },
        fileId: null,
        commentId: null,
        createdAt: expect.any(String),
        readAt: null,
      },
    ]);
    expect((await inbox(fan)).items).toEqual([]);
  });

  it('notifies the owner of a group shake, not its managers', async () => {
    const owner = await ctx.newUser(app);
    const manager = await ctx.newUser(app);
    const fan = await ctx.newUser(app);
    const name = unique('grp');
    await http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name, title: 'x' }).expect(201);
    await http().put(`/api/v1/shakes/${name}/managers/${manager.username}`).set('Authorization', owner.auth).expect(200);
    await follow(fan, name);
    await settleSocialJobs(app);
    expect((await inbox(owner)).items.map((n: { shake: { name: string } }) => n.shake.name)).toEqual([name]);
    expect((await inbox(manager)).items).toEqual([]);
  });

  it('does not notify twice for a re-follow within the window, and again once it has passed', async () => {
    const owner = await ctx.newUser(app);
    const fan = await ctx.newUser(app);
    await follow(fan, owner.username);
    await settleSocialJobs(app);
    await unfollow(fan, owner.username);
    await follow(fan, owner.username);
    await settleSocialJobs(app);
    expect((await inbox(owner)).unread).toBe(1);
    await markRead(owner).expect(200);

    // The first notification ages past the window (as if an hour went by); a new follow notifies again.
    // (Through the driver: Mongoose refuses to change createdAt.)
    const longAgo = new Date(Date.now() - RENOTIFY_AFTER_MS - 1000);
    await notifications.collection.updateMany({ recipientId: await userIdOf(owner) }, { $set: { createdAt: longAgo } });
    await unfollow(fan, owner.username);
    await follow(fan, owner.username);
    await settleSocialJobs(app);
    const page = await inbox(owner);
    expect(page.unread).toBe(1);
    expect(page.items).toHaveLength(1);
    expect(page.items[0].readAt).toBeNull();
  });

  it('does not notify when the follow was taken back before the job ran', async () => {
    const owner = await ctx.newUser(app);
    const fan = await ctx.newUser(app);
    const queue = app.get<Queue>(getQueueToken(QUEUES.social.name));
    await queue.pause(true);
    try {
      await follow(fan, owner.username);
      await unfollow(fan, owner.username);
    } finally {
      await queue.resume(true);
    }
    await settleSocialJobs(app);
    expect((await inbox(owner)).items).toEqual([]);
  });

  it('writes through one service method, never to the actor themselves, and at most once per event', async () => {
    const service = app.get(NotificationsService);
    const owner = await ctx.newUser(app);
    const liker = await ctx.newUser(app);
    const [ownerId, likerId] = [await userIdOf(owner), await userIdOf(liker)];
    const fileId = new Types.ObjectId();
    const like = { type: NotificationType.Like, recipientId: ownerId, actorId: likerId, subject: { fileId }, factId: new Types.ObjectId() };

    expect(await service.notify({ ...like, recipientId: likerId })).toBe(false);
    const concurrent = await Promise.all([service.notify(like), service.notify(like), service.notify(like)]);
    expect(concurrent.filter(Boolean)).toHaveLength(1);
    expect(await service.notify({ ...like, type: NotificationType.Save })).toBe(true);
    const page = await inbox(owner);
    expect(page.items.map((n: { type: string; fileId: string }) => [n.type, n.fileId])).toEqual([
      ['save', fileId.toHexString()],
      ['like', fileId.toHexString()],
    ]);
    expect((await inbox(liker)).items).toEqual([]);
  });

  it('notifies once per fact even when its job runs again after the renotify window; a new fact notifies again', async () => {
    const service = app.get(NotificationsService);
    const owner = await ctx.newUser(app);
    const liker = await ctx.newUser(app);
    const like = {
      type: NotificationType.Like,
      recipientId: await userIdOf(owner),
      actorId: await userIdOf(liker),
      subject: { fileId: new Types.ObjectId() },
      factId: new Types.ObjectId(),
    };
    expect(await service.notify(like)).toBe(true);
    const longAgo = new Date(Date.now() - RENOTIFY_AFTER_MS - 60_000);
    await notifications.collection.updateMany({ recipientId: like.recipientId }, { $set: { createdAt: longAgo } });

    expect(await service.notify(like)).toBe(false); // the same like's job, late (from the outbox or a sweep)
    expect((await inbox(owner)).items).toHaveLength(1);
    expect(await service.notify({ ...like, factId: new Types.ObjectId() })).toBe(true); // unliked, liked again
    expect((await inbox(owner)).items).toHaveLength(1);
    expect(await notifications.countDocuments({ recipientId: like.recipientId, createdAt: { $gt: longAgo } })).toBe(1);
  });

  describe('reading and marking read', () => {
    const seed = async (recipient: TestUser, count: number) => {
      const service = app.get(NotificationsService);
      const recipientId = await userIdOf(recipient);
      for (let i = 0; i < count; i++) {
        const commentId = new Types.ObjectId();
        await service.notify({
          type: NotificationType.Comment,
          recipientId,
          actorId: new Types.ObjectId(),
          subject: { commentId },
          factId: commentId,
        });
      }
      // Each one queued its mail job, whose write of the outcome FerretDB applies as a read then a write of the
      // whole document: racing a mark-read, it would put readAt back. Let them finish first.
      await settleQueues(app, [QUEUES.notifications.name]);
    };

    it('pages newest first with a cursor, each notification exactly once, and counts unread over all pages', async () => {
      const me = await ctx.newUser(app);
      await seed(me, 7);
      const ids: string[] = [];
      let before: string | undefined;
      do {
        const page = await inbox(me, { limit: 3, ...(before ? { before } : {}) });
        expect(page.unread).toBe(7);
        ids.push(...page.items.map((n: { id: string }) => n.id));
        before = page.next ?? undefined;
      } while (before);
      expect(ids).toHaveLength(7);
      expect([...ids].sort().reverse()).toEqual(ids);
    });

    it('polls for what arrived since a page with its prev cursor (after)', async () => {
      const me = await ctx.newUser(app);
      await seed(me, 2);
      const shown = await inbox(me);
      expect((await inbox(me, { after: shown.prev })).items).toEqual([]);
      await seed(me, 1);
      const since = await inbox(me, { after: shown.prev });
      expect(since.items).toHaveLength(1);
      expect(since.items[0].id > shown.items[0].id).toBe(true);
      expect(since.unread).toBe(3);
    });

    it('marks read what the client was shown (readCursor), not what arrived since', async () => {
      const me = await ctx.newUser(app);
      await seed(me, 3);
      const shown = await inbox(me, { limit: 2 }); // shows the 2 newest
      await seed(me, 1); // arrives after the page was shown
      const res = await markRead(me, { before: shown.readCursor }).expect(200);
      expect(res.body).toEqual({ marked: 3, unread: 1 });
      const after = await inbox(me);
      expect(after.items.map((n: { readAt: string | null }) => n.readAt === null)).toEqual([true, false, false, false]);
    });

    it('marks everything read without a cursor, and is harmless to repeat', async () => {
      const me = await ctx.newUser(app);
      await seed(me, 2);
      expect((await markRead(me).expect(200)).body).toEqual({ marked: 2, unread: 0 });
      expect((await markRead(me).expect(200)).body).toEqual({ marked: 0, unread: 0 });
      expect((await inbox(me)).unread).toBe(0);
    });

    it("cannot read or mark another user's notifications", async () => {
      const me = await ctx.newUser(app);
      const other = await ctx.newUser(app);
      await seed(other, 2);
      const theirs = await inbox(other);
      expect((await inbox(me)).items).toEqual([]);
      expect((await markRead(me, { before: theirs.readCursor }).expect(200)).body).toEqual({ marked: 0, unread: 0 });
      expect((await inbox(other)).unread).toBe(2);
    });

    it.each([
      ['a cursor that is not ours', { before: 'nope' }],
      ['a cursor of another list', { before: encodeCursor('followers', new Types.ObjectId()) }],
      ['a number', { before: 12 }],
      ['an unknown field', { all: true }],
    ])('refuses %s when marking read, and marks nothing', async (_, body) => {
      const me = await ctx.newUser(app);
      await seed(me, 1);
      await markRead(me, body).expect(400);
      expect((await inbox(me)).unread).toBe(1);
    });

    it('refuses bad list parameters with 400', async () => {
      const me = await ctx.newUser(app);
      await http()
        .get('/api/v1/notifications')
        .query({ limit: 101 })
        .set('Authorization', me.auth)
        .expect(400, /limit must not be greater than 100/);
      await http()
        .get('/api/v1/notifications')
        .query({ before: encodeCursor('following', new Types.ObjectId()) })
        .set('Authorization', me.auth)
        .expect(400);
      await http().get('/api/v1/notifications').expect(401);
    });
  });
});
