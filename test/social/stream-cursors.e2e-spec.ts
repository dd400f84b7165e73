import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import { QUEUES } from '../../src/jobs/queues';
import { settleSocialJobs } from '../harness/jobs';
import { seedPosts, uploadAs } from '../harness/posts';
import { TestContext } from '../harness/test-app';

interface Page {
  keys: string[];
  next: string | null;
  prev: string | null;
}

/** Keyset cursors in both directions: `before` (older, `next`) and `after` (newer, `prev`) on every file stream. */
describe('stream cursors, before and after', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let posts: Model<SharedFile>;

  beforeAll(async () => {
    app = await ctx.startApp({ GROUP_SHAKES_PER_USER: '10' });
    posts = app.get(getModelToken('SharedFile'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const page = async (path: string, query: Record<string, string | number>, auth?: string): Promise<Page> => {
    const req = http().get(path).query(query);
    if (auth) req.set('Authorization', auth);
    const res = await req;
    if (res.status !== 200) throw new Error(`${path} ${JSON.stringify(query)}: ${res.status} ${JSON.stringify(res.body)}`);
    return { keys: (res.body.items as { key: string }[]).map((item) => item.key), next: res.body.next, prev: res.body.prev };
  };

  /**
   * Walks the stream to its end with `before`, then from the last page back up with `after` until an empty page,
   * and checks that the way back shows the very same pages. Returns the pages forward.
   */
  async function walkForwardAndBack(path: string, limit: number, auth?: string): Promise<string[][]> {
    const forward: Page[] = [await page(path, { limit }, auth)];
    while (forward.at(-1)!.next) forward.push(await page(path, { limit, before: forward.at(-1)!.next! }, auth));
    const back: Page[] = [];
    let after = forward.at(-1)!.prev;
    for (let i = 0; i < forward.length + 1 && after; i++) {
      const upper = await page(path, { limit, after }, auth);
      back.push(upper);
      if (upper.keys.length === 0) {
        expect(upper.prev).toBe(after); // the top: an empty page hands the cursor back, to poll with
        break;
      }
      after = upper.prev;
    }
    expect(back.at(-1)!.keys).toEqual([]);
    expect(
      back
        .slice(0, -1)
        .map((p) => p.keys)
        .reverse(),
    ).toEqual(forward.slice(0, -1).map((p) => p.keys));
    // And forward again from a page read upwards: its `next` leads to the page below it.
    if (back.length >= 2) expect((await page(path, { limit, before: back[0].next! }, auth)).keys).toEqual(forward.at(-1)!.keys);
    return forward.map((p) => p.keys);
  }

  it("a shake's files: forward then back gives the same pages, newest first both ways", async () => {
    const owner = await ctx.newUser(app);
    const name = `g${Math.random().toString(36).slice(2, 9)}`;
    await http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name, title: 'Group' }).expect(201);
    const first = await uploadAs(app, owner, { shake: name });
    const seeded = await seedPosts(app, owner, name, 21, first);
    const expected = [first.key, ...seeded].reverse();
    const pages = await walkForwardAndBack(`/api/v1/shakes/${name}/files`, 5);
    expect(pages.flat()).toEqual(expected);
    expect(pages.map((p) => p.length)).toEqual([5, 5, 5, 5, 2]);
  });

  it('after answers the files right above the cursor (the previous page), not the newest ones', async () => {
    const owner = await ctx.newUser(app);
    const files = [];
    for (let i = 0; i < 9; i++) files.push((await uploadAs(app, owner)).key);
    const newestFirst = [...files].reverse();
    const path = `/api/v1/shakes/${owner.username}/files`;
    const one = await page(path, { limit: 3 });
    const two = await page(path, { limit: 3, before: one.next! });
    const three = await page(path, { limit: 3, before: two.next! });
    expect(three.keys).toEqual(newestFirst.slice(6, 9));
    expect((await page(path, { limit: 3, after: three.prev! })).keys).toEqual(newestFirst.slice(3, 6));
    expect((await page(path, { limit: 2, after: three.prev! })).keys).toEqual(newestFirst.slice(4, 6));
  });

  it('polling with prev: what arrived since, newest first, then an empty page that keeps the cursor', async () => {
    const owner = await ctx.newUser(app);
    await uploadAs(app, owner);
    const path = `/api/v1/shakes/${owner.username}/files`;
    const top = await page(path, {});
    expect(top.prev).toEqual(expect.any(String));
    expect(await page(path, { after: top.prev! })).toEqual({ keys: [], next: null, prev: top.prev });
    const fresh = [(await uploadAs(app, owner)).key, (await uploadAs(app, owner)).key, (await uploadAs(app, owner)).key];
    const since = await page(path, { after: top.prev!, limit: 2 });
    expect(since.keys).toEqual([fresh[1], fresh[0]]); // the two right above, so nothing is skipped
    const rest = await page(path, { after: since.prev!, limit: 2 });
    expect(rest.keys).toEqual([fresh[2]]);
    expect((await page(path, { after: rest.prev! })).keys).toEqual([]);
  });

  it('home timeline: forward then back gives the same pages, each image once, skipping repeats both ways', async () => {
    const [me, alice, bob] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    for (const author of [alice, bob])
      await http().put(`/api/v1/shakes/${author.username}/follow`).set('Authorization', me.auth).expect(204);
    const originals = [];
    for (let i = 0; i < 8; i++) originals.push(await uploadAs(app, alice));
    // Bob saves some of them (newer places of the same images) and posts his own in between.
    const expected: string[] = [];
    const saved = new Set<string>();
    for (const index of [1, 2, 5, 6]) {
      expected.push((await http().post(`/api/v1/files/${originals[index].key}/save`).set('Authorization', bob.auth).expect(201)).body.key);
      saved.add(originals[index].key);
      expected.push((await uploadAs(app, bob)).key);
    }
    const mine = await uploadAs(app, me);
    const newestFirst = [
      mine.key,
      ...expected.reverse(),
      ...originals
        .filter((o) => !saved.has(o.key))
        .map((o) => o.key)
        .reverse(),
    ];
    for (const limit of [1, 3, 4]) {
      expect((await walkForwardAndBack('/api/v1/timeline', limit, me.auth)).flat()).toEqual(newestFirst);
    }
  });

  it("incoming, tags and a user's likes: forward then back gives the same pages", async () => {
    const [alice, fan] = [await ctx.newUser(app), await ctx.newUser(app)];
    const tag = `t${Math.random().toString(36).slice(2, 8)}`;
    const files = [];
    for (let i = 0; i < 7; i++) files.push(await uploadAs(app, alice, { description: `#${tag}` }));
    for (const file of files) await http().put(`/api/v1/files/${file.key}/like`).set('Authorization', fan.auth).expect(204);
    const newestFirst = files.map((f) => f.key).reverse();
    expect((await walkForwardAndBack(`/api/v1/tags/${tag}`, 3)).flat()).toEqual(newestFirst);
    expect((await walkForwardAndBack(`/api/v1/users/${fan.username}/likes`, 3)).flat()).toEqual(newestFirst);
    expect((await walkForwardAndBack('/api/v1/incoming', 4)).flat().slice(0, 7)).toEqual(newestFirst);
  });

  it('magic: forward then back by magicAt, ties broken by _id, the same both ways', async () => {
    const owner = await ctx.newUser(app);
    const files = [];
    for (let i = 0; i < 5; i++) files.push(await uploadAs(app, owner));
    await settleSocialJobs(app); // no job's read-then-write (FerretDB) may undo the updates below
    const at = Date.now();
    const magicAt = [at - 1000, at, at - 1000, at - 3000, at - 1000];
    for (const [i, file] of files.entries()) await posts.updateOne({ key: file.key }, { $set: { magicAt: new Date(magicAt[i]) } });
    const pages = await walkForwardAndBack('/api/v1/magic', 2);
    expect(pages.flat()).toEqual([files[1], files[4], files[2], files[0], files[3]].map((f) => f.key));
  });

  it('popular: after pages back up the ranking of the same snapshot', async () => {
    const owner = await ctx.newUser(app);
    const fans = await Promise.all(Array.from({ length: 3 }, () => ctx.newUser(app)));
    const files = [];
    for (let i = 0; i < 5; i++) files.push(await uploadAs(app, owner));
    for (const [i, file] of files.entries()) {
      for (const fan of fans.slice(0, 1 + (i % 3)))
        await http().put(`/api/v1/files/${file.key}/like`).set('Authorization', fan.auth).expect(204);
    }
    await settleSocialJobs(app);
    const streams = app.get<Queue>(getQueueToken(QUEUES.streams.name));
    await (await streams.add(QUEUES.streams.jobs.popularSnapshot, {})).finished();
    const ranked = (await walkForwardAndBack('/api/v1/popular', 2)).flat();
    expect(ranked).toEqual(expect.arrayContaining(files.map((f) => f.key)));
    expect(new Set(ranked).size).toBe(ranked.length);
  });

  it('refuses before and after together, and a cursor of another list or direction-less garbage as after', async () => {
    const owner = await ctx.newUser(app);
    await uploadAs(app, owner);
    const path = `/api/v1/shakes/${owner.username}/files`;
    const top = await page(path, {});
    const both = await http()
      .get(path)
      .query({ before: top.next ?? top.prev!, after: top.prev! })
      .expect(400);
    expect(both.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(JSON.stringify(both.body.message)).toContain('pass either before or after, not both');
    const incoming = await page('/api/v1/incoming', { limit: 1 });
    for (const after of [incoming.prev!, 'nope', '']) {
      const res = await http().get(path).query({ after }).expect(400);
      expect(JSON.stringify(res.body.message)).toMatch(/after/);
    }
    await http().get('/api/v1/timeline').set('Authorization', owner.auth).query({ after: top.prev! }).expect(400);
  });
});
