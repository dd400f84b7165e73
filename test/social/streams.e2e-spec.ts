import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { QUEUES } from '../../src/jobs/queues';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import { settleSocialJobs } from '../harness/jobs';
import { seedPosts, uploadAs, walkKeys } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

describe('file streams', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let posts: Model<SharedFile>;

  beforeAll(async () => {
    app = await ctx.startApp({ GROUP_SHAKES_PER_USER: '10' });
    posts = app.get(getModelToken('SharedFile'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const follow = (user: TestUser, name: string) => http().put(`/api/v1/shakes/${name}/follow`).set('Authorization', user.auth);
  const unfollow = (user: TestUser, name: string) => http().delete(`/api/v1/shakes/${name}/follow`).set('Authorization', user.auth);
  const timeline = (user: TestUser, limit = 100) => walkKeys(app, '/api/v1/timeline', { auth: user.auth, limit });
  const groupShake = async (owner: TestUser) => {
    const name = `g${Math.random().toString(36).slice(2, 9)}`;
    await http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name, title: 'Group' }).expect(201);
    return name;
  };

  describe("a shake's files", () => {
    it('lists them newest first, counts them after the job, and hides a deleted one at once', async () => {
      const owner = await ctx.newUser(app);
      const files = [await uploadAs(app, owner), await uploadAs(app, owner), await uploadAs(app, owner)];
      expect(await walkKeys(app, `/api/v1/shakes/${owner.username}/files`, { limit: 2 })).toEqual(files.map((f) => f.key).reverse());
      const first = (await http().get(`/api/v1/shakes/${owner.username.toUpperCase()}/files`).expect(200)).body;
      const { viewer: uploaderView, ...asListed } = files[2]; // the upload answered the signed-in uploader
      expect(uploaderView).toEqual({ liked: false, saved: false });
      expect(first.items[0]).toEqual(asListed);
      await settleSocialJobs(app);
      expect((await http().get(`/api/v1/shakes/${owner.username}`).expect(200)).body.fileCount).toBe(3);

      await http().delete(`/api/v1/files/${files[1].key}`).set('Authorization', owner.auth).expect(204);
      expect(await walkKeys(app, `/api/v1/shakes/${owner.username}/files`)).toEqual([files[2].key, files[0].key]);
      await settleSocialJobs(app);
      expect((await http().get(`/api/v1/shakes/${owner.username}`).expect(200)).body.fileCount).toBe(2);
    });

    it('returns every one of 250 files exactly once, in order, while files are added during the walk', async () => {
      const owner = await ctx.newUser(app);
      const name = await groupShake(owner);
      const first = await uploadAs(app, owner, { shake: name });
      const seeded = await seedPosts(app, owner, name, 247, first);
      const viaApi = [await uploadAs(app, owner, { shake: name }), await uploadAs(app, owner, { shake: name })];
      const expected = [first.key, ...seeded, ...viaApi.map((f) => f.key)].reverse();
      expect(expected).toHaveLength(250);

      const added: string[] = [];
      const walked = await walkKeys(app, `/api/v1/shakes/${name}/files`, {
        limit: 7,
        between: async () => {
          if (added.length < 5) added.push((await uploadAs(app, owner, { shake: name })).key);
        },
      });
      expect(walked).toEqual(expected); // none of the files added meanwhile, none twice, none missed
      expect(added).toHaveLength(5);
      expect(
        (await http().get(`/api/v1/shakes/${name}/files`).query({ limit: 5 }).expect(200)).body.items.map((f: { key: string }) => f.key),
      ).toEqual([...added].reverse());
    });

    it('refuses bad cursors and limits, and unknown shakes', async () => {
      const owner = await ctx.newUser(app);
      const path = `/api/v1/shakes/${owner.username}/files`;
      const incomingCursor = (await http().get('/api/v1/incoming').query({ limit: 1 }).expect(200)).body.next;
      for (const query of [{ before: 'nope' }, { limit: 101 }, { limit: 0 }, { before: incomingCursor }, { extra: 1 }]) {
        const res = await http().get(path).query(query).expect(400);
        expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      }
      await http().get('/api/v1/shakes/no-such-shake/files').expect(404);
      expect((await http().get(path).expect(200)).body).toEqual({ items: [], next: null, prev: null });
    });
  });

  describe('home timeline', () => {
    it("fills with a followed shake's files on follow, gets new posts at once, and stops on unfollow", async () => {
      const [me, author] = [await ctx.newUser(app), await ctx.newUser(app)];
      const old = [];
      for (let i = 0; i < 12; i++) old.push(await uploadAs(app, author));
      const mine = await uploadAs(app, me);
      expect(await timeline(me)).toEqual([mine.key]);

      await follow(me, author.username).expect(204);
      expect(await timeline(me, 10)).toEqual([...old, mine].map((f) => f.key).reverse());
      const fresh = await uploadAs(app, author);
      expect((await http().get('/api/v1/timeline').set('Authorization', me.auth).expect(200)).body.items[0].key).toBe(fresh.key);

      await unfollow(me, author.username).expect(204);
      const after = await uploadAs(app, author);
      const keys = await timeline(me);
      expect(keys).not.toContain(after.key);
      expect(keys).toEqual([mine.key]);
      await http().get('/api/v1/timeline').expect(401);
    });

    it('shows an image posted in several followed shakes once, at its newest place', async () => {
      const [me, alice, bob] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
      await follow(me, alice.username).expect(204);
      await follow(me, bob.username).expect(204);
      const original = await uploadAs(app, alice);
      const other = await uploadAs(app, alice);
      const saved = (await http().post(`/api/v1/files/${original.key}/save`).set('Authorization', bob.auth).expect(201)).body;
      expect(await timeline(me)).toEqual([saved.key, other.key]);
      expect(await timeline(me, 1)).toEqual([saved.key, other.key]);
    });

    it('leaves out deleted files', async () => {
      const [me, author] = [await ctx.newUser(app), await ctx.newUser(app)];
      await follow(me, author.username).expect(204);
      const [a, b] = [await uploadAs(app, author), await uploadAs(app, author)];
      await http().delete(`/api/v1/files/${a.key}`).set('Authorization', author.auth).expect(204);
      expect(await timeline(me)).toEqual([b.key]);
    });
  });

  describe('site streams', () => {
    it('incoming: new originals only, newest first, NSFW left out', async () => {
      const [alice, bob] = [await ctx.newUser(app), await ctx.newUser(app)];
      const a = await uploadAs(app, alice);
      const b = await uploadAs(app, alice);
      await http().post(`/api/v1/files/${a.key}/save`).set('Authorization', bob.auth).expect(201);
      const c = await uploadAs(app, bob);
      await http().patch(`/api/v1/files/${b.key}`).set('Authorization', alice.auth).send({ nsfw: true }).expect(200);
      const keys = await walkKeys(app, '/api/v1/incoming', { limit: 20 });
      expect(keys.slice(0, 2)).toEqual([c.key, a.key]);
      expect(keys).not.toContain(b.key);
      expect(keys).toHaveLength(new Set(keys).size);
      expect((await http().get('/api/v1/incoming').expect(200)).body.items.length).toBeLessThanOrEqual(10);
    });

    it('tags: #words of descriptions, lower-cased, kept on edit, originals only', async () => {
      const [alice, bob] = [await ctx.newUser(app), await ctx.newUser(app)];
      const tag = `t${Math.random().toString(36).slice(2, 8)}`;
      const a = await uploadAs(app, alice, { description: `look #${tag.toUpperCase()} #other` });
      const b = await uploadAs(app, alice, { description: 'nothing yet' });
      await http().post(`/api/v1/files/${a.key}/save`).set('Authorization', bob.auth).expect(201);
      expect(await walkKeys(app, `/api/v1/tags/${tag}`)).toEqual([a.key]);
      await http()
        .patch(`/api/v1/files/${b.key}`)
        .set('Authorization', alice.auth)
        .send({ description: `now #${tag}` })
        .expect(200);
      expect(await walkKeys(app, `/api/v1/tags/%23${tag}`, { limit: 1 })).toEqual([b.key, a.key]);
      await http().patch(`/api/v1/files/${a.key}`).set('Authorization', alice.auth).send({ description: 'untagged' }).expect(200);
      expect(await walkKeys(app, `/api/v1/tags/${tag}`)).toEqual([b.key]);
      await http().get('/api/v1/tags/not%20a%20tag').expect(404);
    });

    it('popular: recent originals by likes / (minutes + 3)^1.5, walked in one snapshot by rank', async () => {
      const owner = await ctx.newUser(app);
      const fans = await Promise.all(Array.from({ length: 4 }, () => ctx.newUser(app)));
      const files = [await uploadAs(app, owner), await uploadAs(app, owner), await uploadAs(app, owner)];
      // Ages and likes chosen so that the ranking differs from both "most liked" and "newest".
      const hour = 60 * 60 * 1000;
      // Through the driver: Mongoose keeps createdAt immutable.
      await posts.collection.updateOne({ key: files[0].key }, { $set: { createdAt: new Date(Date.now() - 10 * hour) } });
      const likesOf = [4, 1, 2];
      for (const [index, file] of files.entries()) {
        for (const fan of fans.slice(0, likesOf[index]))
          await http().put(`/api/v1/files/${file.key}/like`).set('Authorization', fan.auth).expect(204);
      }
      await settleSocialJobs(app);
      const streams = app.get<Queue>(getQueueToken(QUEUES.streams.name));
      await (await streams.add(QUEUES.streams.jobs.popularSnapshot, {})).finished();

      const firstPage = (await http().get('/api/v1/popular').query({ limit: 2 }).expect(200)).body;
      // 2 likes, newest > 1 like, newest (likes / age) > 4 likes, 10 hours old.
      const expected = [files[2].key, files[1].key, files[0].key];
      expect(firstPage.items.map((f: { key: string }) => f.key)).toEqual(expected.slice(0, 2));
      // A new snapshot meanwhile does not disturb a walk in progress.
      await (await streams.add(QUEUES.streams.jobs.popularSnapshot, {})).finished();
      const rest = (await http().get('/api/v1/popular').query({ limit: 2, before: firstPage.next }).expect(200)).body;
      expect(rest.items.map((f: { key: string }) => f.key)).toEqual([expected[2]]);
      expect(rest.next).toBeNull();
    });

    it('magic: files that reached 10 likes, most recent first, paginated', async () => {
      const owner = await ctx.newUser(app);
      const files = [await uploadAs(app, owner), await uploadAs(app, owner), await uploadAs(app, owner)];
      const at = Date.now();
      // magicAt in an order other than upload order, two of them equal (the tie is broken by _id).
      await posts.updateOne({ key: files[0].key }, { $set: { magicAt: new Date(at) } });
      await posts.updateOne({ key: files[1].key }, { $set: { magicAt: new Date(at - 1000) } });
      await posts.updateOne({ key: files[2].key }, { $set: { magicAt: new Date(at - 1000) } });
      const keys = await walkKeys(app, '/api/v1/magic', { limit: 1 });
      expect(keys.slice(0, 3)).toEqual([files[0].key, files[2].key, files[1].key]);
    });
  });
});
