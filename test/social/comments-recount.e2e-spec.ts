import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { RecountResult } from '../../src/jobs/queues';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { Shake } from '../../src/shakes/schemas/shake.schema';
import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import { QUEUES } from '../../src/jobs/queues';
import { makeAdmin } from '../harness/admins';
import { settleSocialJobs } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

describe('comments and the recount job', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let posts: Model<SharedFile>;
  let shakes: Model<Shake>;
  let admin: TestUser;

  beforeAll(async () => {
    app = await ctx.startApp();
    posts = app.get(getModelToken('SharedFile'));
    shakes = app.get(getModelToken('Shake'));
    admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const comment = (user: TestUser | undefined, key: string, body: unknown) => {
    const req = http().post(`/api/v1/files/${key}/comments`);
    if (user) req.set('Authorization', user.auth);
    return req.send(body as object);
  };
  const remove = (user: TestUser | undefined, id: string) => {
    const req = http().delete(`/api/v1/comments/${id}`);
    if (user) req.set('Authorization', user.auth);
    return req;
  };
  const counts = async (key: string) => (await http().get(`/api/v1/files/${key}`).expect(200)).body.counts;
  const notificationsOf = async (user: TestUser) =>
    (await http().get('/api/v1/notifications').set('Authorization', user.auth).expect(200)).body.items as {
      type: string;
      actor: { username: string };
    }[];

  describe('comments', () => {
    it('creates, lists oldest first page by page, and counts them after the job', async () => {
      const [owner, bob] = [await ctx.newUser(app), await ctx.newUser(app)];
      const { key } = await uploadAs(app, owner);
      const made = [];
      for (let i = 0; i < 5; i++) made.push((await comment(i % 2 ? bob : owner, key, { body: `comment ${i}` }).expect(201)).body);
      expect(made[1]).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        author: bob.username,
        body: 'comment 1',
        createdAt: expect.any(String),
      });

      const seen: string[] = [];
      let after: string | undefined;
      do {
        const res = await http()
          .get(`/api/v1/files/${key}/comments`)
          .query({ limit: 2, ...(after ? { after } : {}) })
          .expect(200);
        seen.push(...res.body.items.map((c: { body: string }) => c.body));
        after = res.body.next ?? undefined;
      } while (after);
      expect(seen).toEqual(made.map((c) => c.body));
      await settleSocialJobs(app);
      expect((await counts(key)).comments).toBe(5);
    });

    it('refuses bad bodies, unknown files, foreign cursors and anonymous writers', async () => {
      const owner = await ctx.newUser(app);
      const { key } = await uploadAs(app, owner);
      for (const body of [{}, { body: '' }, { body: '   ' }, { body: 'x'.repeat(2001) }, { body: 12 }, { body: 'ok', extra: 1 }]) {
        expect((await comment(owner, key, body).expect(400)).body).toMatchObject({ statusCode: 400 });
      }
      await comment(owner, key, { body: 'x'.repeat(2000) }).expect(201);
      await comment(undefined, key, { body: 'hi' }).expect(401);
      await comment(owner, 'ZZZZZZZZZZ', { body: 'hi' }).expect(404);
      await http().get('/api/v1/files/ZZZZZZZZZZ/comments').expect(404);
      await http().get(`/api/v1/files/${key}/comments`).query({ after: 'bogus' }).expect(400);
      await http().get(`/api/v1/files/${key}/comments`).query({ limit: 101 }).expect(400);
    });

    it('lets the author, the file owner and an admin delete a comment, and nobody else', async () => {
      const [owner, author, stranger] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
      const { key } = await uploadAs(app, owner);
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await comment(author, key, { body: `c${i}` }).expect(201)).body.id as string);
      await remove(undefined, ids[0]).expect(401);
      expect((await remove(stranger, ids[0]).expect(403)).body.message).toMatch(/author, the owner of the file or an admin/);
      await remove(author, ids[0]).expect(204);
      await remove(owner, ids[1]).expect(204);
      await remove(admin, ids[2]).expect(204);
      await remove(author, ids[2]).expect(404);
      await remove(author, 'not-an-id').expect(404);
      expect((await http().get(`/api/v1/files/${key}/comments`).expect(200)).body.items).toEqual([]);
      await settleSocialJobs(app);
      expect((await counts(key)).comments).toBe(0);
    });

    it('notifies the file owner (comment) and each @mentioned user (mention), not the author', async () => {
      const [owner, author, carol, dave] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
      const { key } = await uploadAs(app, owner);
      await comment(author, key, {
        body: `nice @${carol.username.toUpperCase()}, @${dave.username} @${carol.username} @${owner.username} @${author.username} @nobody-here`,
      }).expect(201);
      await settleSocialJobs(app);
      expect(await notificationsOf(owner)).toEqual([expect.objectContaining({ type: 'comment', actor: { username: author.username } })]);
      for (const mentioned of [carol, dave]) {
        expect(await notificationsOf(mentioned)).toEqual([
          expect.objectContaining({ type: 'mention', actor: { username: author.username } }),
        ]);
      }
      expect(await notificationsOf(author)).toEqual([]);
    });
  });

  it('restores deliberately corrupted like, save, comment and file counters from the facts', async () => {
    const [owner, fan, saver] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    const original = await uploadAs(app, owner);
    await http().put(`/api/v1/files/${original.key}/like`).set('Authorization', fan.auth).expect(204);
    const copy = (await http().post(`/api/v1/files/${original.key}/save`).set('Authorization', saver.auth).expect(201)).body;
    await comment(fan, original.key, { body: 'one' }).expect(201);
    await comment(fan, original.key, { body: 'two' }).expect(201);
    await settleSocialJobs(app);
    const truth = { likes: 1, saves: 1, views: 0, comments: 2 };
    expect(await counts(original.key)).toEqual(truth);

    // Damage: wrong numbers, and a count time in the far future that would block an ordinary recount.
    const future = new Date(Date.now() + 365 * 24 * 3600 * 1000);
    await posts.collection.updateOne(
      { key: original.key },
      { $set: { counts: { likes: 99, saves: -3, views: 0, comments: 42 }, countedAt: { likes: future, saves: null, comments: null } } },
    );
    await posts.collection.updateOne({ key: copy.key }, { $set: { 'counts.saves': 7 } });
    await shakes.collection.updateOne({ nameLower: owner.username.toLowerCase() }, { $set: { fileCount: 1000 } });
    await shakes.collection.updateOne({ nameLower: saver.username.toLowerCase() }, { $set: { fileCount: -1 } });

    const queued = await http().post('/api/v1/admin/recount').set('Authorization', admin.auth).expect(202);
    const job = await app.get<Queue>(getQueueToken(QUEUES.social.name)).getJob(queued.body.jobId);
    const result = (await job!.finished()) as RecountResult;
    expect(result.corrected).toBeGreaterThanOrEqual(6);
    expect(result.files).toBeGreaterThanOrEqual(2);

    expect(await counts(original.key)).toEqual(truth);
    expect((await counts(copy.key)).saves).toBe(0);
    expect((await http().get(`/api/v1/shakes/${owner.username}`).expect(200)).body.fileCount).toBe(1);
    expect((await http().get(`/api/v1/shakes/${saver.username}`).expect(200)).body.fileCount).toBe(1);
  });
});
