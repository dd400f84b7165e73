import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Model, Types } from 'mongoose';
import { PostsService } from '../../src/files/posts.service';
import { FileCountersService } from '../../src/social/file-counters.service';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../../src/files/schemas/source-file.schema';
import type { Like } from '../../src/social/likes/like.schema';
import { settleSocialJobs } from '../harness/jobs';
import { uploadAs, walkKeys } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

describe('likes and saves', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let likes: Model<Like>;
  let posts: Model<SharedFile>;
  let sources: Model<SourceFile>;

  beforeAll(async () => {
    app = await ctx.startApp({ GROUP_SHAKES_PER_USER: '10' });
    likes = app.get(getModelToken('Like'));
    posts = app.get(getModelToken('SharedFile'));
    sources = app.get(getModelToken('SourceFile'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const like = (user: TestUser, key: string) => http().put(`/api/v1/files/${key}/like`).set('Authorization', user.auth);
  const unlike = (user: TestUser, key: string) => http().delete(`/api/v1/files/${key}/like`).set('Authorization', user.auth);
  const save = (user: TestUser, key: string, body: Record<string, string> = {}) =>
    http().post(`/api/v1/files/${key}/save`).set('Authorization', user.auth).send(body);
  const counts = async (key: string) => (await http().get(`/api/v1/files/${key}`).expect(200)).body.counts;
  const notificationsOf = async (user: TestUser) =>
    (await http().get('/api/v1/notifications').set('Authorization', user.auth).expect(200)).body.items as {
      type: string;
      actor: { username: string };
    }[];

  describe('likes', () => {
    it('counts a like made twice once, after the jobs, and 0 after unliking', async () => {
      const owner = await ctx.newUser(app);
      const fan = await ctx.newUser(app);
      const { key } = await uploadAs(app, owner);
      await like(fan, key).expect(204);
      await like(fan, key).expect(204);
      expect(await likes.countDocuments({})).toBeGreaterThan(0);
      await settleSocialJobs(app);
      expect((await counts(key)).likes).toBe(1);
      expect(await notificationsOf(owner)).toEqual([expect.objectContaining({ type: 'like', actor: { username: fan.username } })]);

      await unlike(fan, key).expect(204);
      await unlike(fan, key).expect(204);
      await settleSocialJobs(app);
      expect((await counts(key)).likes).toBe(0);
    });

    it('counts concurrent likes by many users exactly', async () => {
      const owner = await ctx.newUser(app);
      const { key } = await uploadAs(app, owner);
      const fans = await Promise.all(Array.from({ length: 6 }, () => ctx.newUser(app)));
      await Promise.all(fans.flatMap((fan) => [like(fan, key).expect(204), like(fan, key).expect(204)]));
      await settleSocialJobs(app);
      expect((await counts(key)).likes).toBe(6);
    });

    it('loses no count when counter jobs race on one post: likes recounted while comments settle and views fold', async () => {
      // Several workers run these jobs at once, beside the one views fold; FerretDB 1.x applies each update as a read
      // and a whole-document write, so a view count kept on the post lost views to the likes' recounts (3 of 12 left).
      const owner = await ctx.newUser(app);
      const { key } = await uploadAs(app, owner);
      const post = (await posts.findOne({ key }).lean())!;
      const counters = app.get(FileCountersService);
      const lifecycle = app.get(PostsService);
      const FANS = 12;
      const fold = async () => {
        for (let i = 0; i < FANS; i++) await lifecycle.addViews(post._id, 1);
      };
      await Promise.all([
        fold(),
        ...Array.from({ length: FANS }, async () => {
          await likes.create({ userId: new Types.ObjectId(), sharedFileId: post._id });
          await Promise.all([counters.recountLikesOf(post._id), counters.recountCommentsOf(post._id), counters.recountSavesOf(post._id)]);
        }),
      ]);
      expect((await posts.findById(post._id).lean())!.counts).toMatchObject({ likes: FANS, saves: 0, comments: 0 });
      expect(await counts(key)).toEqual({ likes: FANS, saves: 0, comments: 0, views: FANS });
    });

    it('refuses liking your own file, and an unknown file', async () => {
      const owner = await ctx.newUser(app);
      const { key } = await uploadAs(app, owner);
      const res = await like(owner, key).expect(409);
      expect(res.body.message).toBe('You cannot like your own file');
      await like(owner, 'ZZZZZZZZZZ').expect(404);
      await like(owner, 'not a key').expect(404);
      await http().put(`/api/v1/files/${key}/like`).expect(401);
    });

    it('likes the original too when liking a saved copy (two facts), but unlikes only the copy', async () => {
      const [alice, bob, carol] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
      const original = await uploadAs(app, alice);
      const copy = (await save(bob, original.key).expect(201)).body;
      await like(carol, copy.key).expect(204);
      await settleSocialJobs(app);
      expect((await counts(copy.key)).likes).toBe(1);
      expect((await counts(original.key)).likes).toBe(1);
      expect(
        await likes.countDocuments({ sharedFileId: { $in: await posts.distinct('_id', { key: { $in: [copy.key, original.key] } }) } }),
      ).toBe(2);

      await unlike(carol, copy.key).expect(204);
      await settleSocialJobs(app);
      expect((await counts(copy.key)).likes).toBe(0);
      expect((await counts(original.key)).likes).toBe(1);

      // The original's owner liking a copy of it likes the copy only.
      await like(alice, copy.key).expect(204);
      await settleSocialJobs(app);
      expect((await counts(original.key)).likes).toBe(1);
    });

    it('makes an original with 10 likes a magic file, once', async () => {
      const owner = await ctx.newUser(app);
      const { key } = await uploadAs(app, owner);
      const fans = await Promise.all(Array.from({ length: 10 }, () => ctx.newUser(app)));
      for (const fan of fans.slice(0, 9)) await like(fan, key).expect(204);
      await settleSocialJobs(app);
      expect((await posts.findOne({ key }).lean())?.magicAt).toBeNull();
      expect(
        (await http().get('/api/v1/magic').query({ limit: 100 }).expect(200)).body.items.map((f: { key: string }) => f.key),
      ).not.toContain(key);

      await like(fans[9], key).expect(204);
      await settleSocialJobs(app);
      const magicAt = (await posts.findOne({ key }).lean())?.magicAt;
      expect(magicAt).toBeInstanceOf(Date);
      expect((await http().get('/api/v1/magic').expect(200)).body.items[0].key).toBe(key);

      await unlike(fans[9], key).expect(204);
      await like(fans[9], key).expect(204);
      await settleSocialJobs(app);
      expect((await posts.findOne({ key }).lean())?.magicAt).toEqual(magicAt); // set once
    });

    it("lists a user's likes, newest like first, page by page, without deleted files", async () => {
      const owner = await ctx.newUser(app);
      const fan = await ctx.newUser(app);
      const files = [];
      for (let i = 0; i < 5; i++) files.push(await uploadAs(app, owner));
      for (const file of files) await like(fan, file.key).expect(204);
      await http().delete(`/api/v1/files/${files[1].key}`).set('Authorization', owner.auth).expect(204);
      const keys = await walkKeys(app, `/api/v1/users/${fan.username}/likes`, { limit: 2 });
      expect(keys).toEqual([files[4], files[3], files[2], files[0]].map((file) => file.key));
      await http().get('/api/v1/users/nobody-here/likes').expect(404);
      await http().get(`/api/v1/users/${fan.username}/likes`).query({ limit: 101 }).expect(400);
      await http().get(`/api/v1/users/${fan.username}/likes`).query({ before: 'bogus' }).expect(400);
    });
  });

  describe('saves', () => {
    it('counts every save down the chain on the original and direct saves on a copy (A → B → C)', async () => {
      const [a, b, c] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
      const original = await uploadAs(app, a, { title: 'Original', description: 'a #chain' });
      const copyB = (await save(b, original.key).expect(201)).body;
      const copyC = (await save(c, copyB.key).expect(201)).body;
      expect(copyB).toMatchObject({ owner: { username: b.username }, shake: b.username, savedFrom: original.key, title: 'Original' });
      expect(copyC).toMatchObject({ owner: { username: c.username }, savedFrom: copyB.key });
      const [docA, docB, docC] = await Promise.all(
        [original.key, copyB.key, copyC.key].map((key) => posts.findOne({ key }).lean().orFail()),
      );
      expect(docB).toMatchObject({ parentId: docA._id, originalId: docA._id, sourceId: docA.sourceId });
      expect(docC).toMatchObject({ parentId: docB._id, originalId: docA._id, sourceId: docA.sourceId });
      expect((await sources.findById(docA.sourceId).lean())?.refCount).toBe(3);

      await settleSocialJobs(app);
      expect((await counts(original.key)).saves).toBe(2);
      expect((await counts(copyB.key)).saves).toBe(1);
      expect((await counts(copyC.key)).saves).toBe(0);
      expect(await notificationsOf(a)).toEqual([expect.objectContaining({ type: 'save', actor: { username: b.username } })]);
      expect(await notificationsOf(b)).toEqual([expect.objectContaining({ type: 'save', actor: { username: c.username } })]);

      // Deleting C's copy takes it out of both counts.
      await http().delete(`/api/v1/files/${copyC.key}`).set('Authorization', c.auth).expect(204);
      await settleSocialJobs(app);
      expect((await counts(original.key)).saves).toBe(1);
      expect((await counts(copyB.key)).saves).toBe(0);
    });

    it('returns the existing save when saving the same post twice (200, same key), even concurrently', async () => {
      const [owner, saver] = [await ctx.newUser(app), await ctx.newUser(app)];
      const { key } = await uploadAs(app, owner);
      const first = await save(saver, key).expect(201);
      const second = await save(saver, key).expect(200);
      expect(second.body.key).toBe(first.body.key);

      const other = await uploadAs(app, owner);
      const racing = await Promise.all(Array.from({ length: 4 }, () => save(saver, other.key)));
      expect(new Set(racing.map((res) => res.body.key)).size).toBe(1);
      expect(racing.map((res) => res.status).sort()).toEqual([200, 200, 200, 201]);
      const saverDoc = await posts.findOne({ key: first.body.key }).lean().orFail();
      const parent = await posts.findOne({ key: other.key }).lean().orFail();
      expect(await posts.countDocuments({ userId: saverDoc.userId, parentId: parent._id })).toBe(1);
      expect((await sources.findById(parent.sourceId).lean())?.refCount).toBe(2);

      // After deleting the save, saving again makes a new one.
      await http().delete(`/api/v1/files/${first.body.key}`).set('Authorization', saver.auth).expect(204);
      const again = await save(saver, key).expect(201);
      expect(again.body.key).not.toBe(first.body.key);
    });

    it('refuses saving your own file or a copy of it', async () => {
      const [owner, other] = [await ctx.newUser(app), await ctx.newUser(app)];
      const { key } = await uploadAs(app, owner);
      expect((await save(owner, key).expect(409)).body.message).toBe('You cannot save your own file');
      const copy = (await save(other, key).expect(201)).body;
      expect((await save(owner, copy.key).expect(409)).body.message).toBe('You cannot save a copy of your own file');
      await http().post(`/api/v1/files/${key}/save`).send({}).expect(401);
      await save(other, 'ZZZZZZZZZZ').expect(404);
    });

    it('saves into a shake the saver may post to, and nowhere else', async () => {
      const [owner, saver, stranger] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
      const group = `g${Math.random().toString(36).slice(2, 9)}`;
      await http().post('/api/v1/shakes').set('Authorization', saver.auth).send({ name: group, title: 'G' }).expect(201);
      const { key } = await uploadAs(app, owner);
      const before = await posts.countDocuments();
      await save(stranger, key, { shake: group }).expect(403);
      await save(stranger, key, { shake: 'no-such-shake' }).expect(404);
      await save(stranger, key, { shake: 'bad name!' }).expect(400);
      await save(stranger, key, { shake: group, extra: 'x' }).expect(400);
      expect(await posts.countDocuments()).toBe(before);
      const saved = await save(saver, key, { shake: group }).expect(201);
      expect(saved.body.shake).toBe(group);
      await settleSocialJobs(app);
      expect(await walkKeys(app, `/api/v1/shakes/${group}/files`)).toEqual([saved.body.key]);
      expect((await http().get(`/api/v1/shakes/${group}`).expect(200)).body.fileCount).toBe(1);
    });

    it('carries NSFW to every save, since it lives on the stored file', async () => {
      const [owner, saver] = [await ctx.newUser(app), await ctx.newUser(app)];
      const { key } = await uploadAs(app, owner);
      const copy = (await save(saver, key).expect(201)).body;
      await http().patch(`/api/v1/files/${key}`).set('Authorization', owner.auth).send({ nsfw: true }).expect(200);
      expect((await http().get(`/api/v1/files/${copy.key}`).expect(200)).body.nsfw).toBe(true);
      const later = await ctx.newUser(app);
      expect((await save(later, copy.key).expect(201)).body.nsfw).toBe(true);
    });
  });
});
