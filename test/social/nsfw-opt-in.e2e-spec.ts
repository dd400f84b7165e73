import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import { settleQueues, settleSocialJobs } from '../harness/jobs';
import { uploadAs, walkKeys } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

/** NSFW files show in the streams only to signed-in users who opted in with PATCH /me; never to anonymous visitors. */
describe('NSFW opt-in', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let alice: TestUser;
  let bob: TestUser;
  let tag: string;
  let clean: string;
  let spicy: string;
  let spicyCopy: string;

  beforeAll(async () => {
    app = await ctx.startApp();
    const posts = app.get<Model<SharedFile>>(getModelToken('SharedFile'));
    [alice, bob] = [await ctx.newUser(app), await ctx.newUser(app)];
    const carol = await ctx.newUser(app);
    tag = `t${Math.random().toString(36).slice(2, 8)}`;
    clean = (await uploadAs(app, alice, { description: `#${tag}` })).key;
    spicy = (await uploadAs(app, alice, { description: `#${tag}` })).key;
    // Saved before it was marked: the flag lives on the stored bytes, so the copy is NSFW too.
    spicyCopy = (await ctx.http(app).post(`/api/v1/files/${spicy}/save`).set('Authorization', carol.auth).expect(201)).body.key;
    await ctx.http(app).put(`/api/v1/shakes/${alice.username}/follow`).set('Authorization', bob.auth).expect(204);
    await ctx.http(app).put(`/api/v1/shakes/${carol.username}/follow`).set('Authorization', bob.auth).expect(204);
    for (const key of [clean, spicy]) await ctx.http(app).put(`/api/v1/files/${key}/like`).set('Authorization', bob.auth).expect(204);
    // After the save and like jobs: FerretDB applies an update as a read and a write, so a counter job's could undo these.
    await settleSocialJobs(app);
    await ctx.http(app).patch(`/api/v1/files/${spicy}`).set('Authorization', alice.auth).send({ nsfw: true }).expect(200);
    await posts.updateMany({ key: { $in: [clean, spicy] } }, { $set: { magicAt: new Date() } });
  });
  afterAll(() => ctx.close());

  const setShowNsfw = (user: TestUser, showNsfw: unknown) =>
    ctx.http(app).patch('/api/v1/me').set('Authorization', user.auth).send({ showNsfw });
  /** What each stream shows of the three files, as seen by `auth` (anonymous without). */
  const seen = async (auth?: string) => {
    const ours = (keys: string[]) => keys.filter((key) => [clean, spicy, spicyCopy].includes(key));
    const signedIn = auth ? [['timeline', await walkKeys(app, '/api/v1/timeline', { auth, limit: 100 })]] : [];
    return Object.fromEntries([
      ['shake', await walkKeys(app, `/api/v1/shakes/${alice.username}/files`, { auth })],
      ['incoming', ours(await walkKeys(app, '/api/v1/incoming', { auth, limit: 100 }))],
      ['tag', await walkKeys(app, `/api/v1/tags/${tag}`, { auth })],
      ['magic', ours(await walkKeys(app, '/api/v1/magic', { auth, limit: 100 }))],
      ['likes', await walkKeys(app, `/api/v1/users/${bob.username}/likes`, { auth })],
      ...signedIn.map(([name, keys]) => [name, ours(keys as string[])]),
    ]);
  };
  const cleanOnly = () => ({ shake: [clean], incoming: [clean], tag: [clean], magic: [clean], likes: [clean] });

  it('hides NSFW files from anonymous visitors and from users who did not opt in (the default)', async () => {
    expect((await ctx.http(app).get('/api/v1/me').set('Authorization', bob.auth).expect(200)).body.showNsfw).toBe(false);
    expect(await seen()).toEqual(cleanOnly());
    expect(await seen(bob.auth)).toEqual({ ...cleanOnly(), timeline: [clean] });
  });

  it('shows them, marked, in every stream once the user opts in with PATCH /me, and hides them again on opting out', async () => {
    const updated = await setShowNsfw(bob, true).expect(200);
    expect(updated.body).toMatchObject({ username: bob.username, showNsfw: true });
    expect((await ctx.http(app).get('/api/v1/me').set('Authorization', bob.auth).expect(200)).body.showNsfw).toBe(true);

    expect(await seen(bob.auth)).toEqual({
      shake: [spicy, clean],
      incoming: [spicy, clean],
      tag: [spicy, clean],
      magic: [spicy, clean], // the same magicAt: the newer post first
      likes: [spicy, clean],
      timeline: [spicyCopy, clean], // the image once, at its newest place: Carol's copy
    });
    const page = (await ctx.http(app).get(`/api/v1/shakes/${alice.username}/files`).set('Authorization', bob.auth).expect(200)).body;
    expect(page.items.map((file: { nsfw: boolean }) => file.nsfw)).toEqual([true, false]);
    // Nobody else's view changes.
    expect(await seen()).toEqual(cleanOnly());
    expect(await seen(alice.auth)).toEqual({ ...cleanOnly(), timeline: [clean] });

    await setShowNsfw(bob, false).expect(200);
    expect(await seen(bob.auth)).toEqual({ ...cleanOnly(), timeline: [clean] });
  });

  it('shows NSFW files in search only to callers who opted in, and the response cache never hands them to anyone else', async () => {
    await settleQueues(app);
    const search = (auth?: string, extra: Record<string, string> = {}) => {
      const req = ctx
        .http(app)
        .get('/api/v1/search')
        .query({ q: tag, ...extra });
      return (auth ? req.set('Authorization', auth) : req).expect(200);
    };
    const keys = (res: { body: { items: { key: string }[] } }) => res.body.items.map((hit) => hit.key);
    await setShowNsfw(bob, true).expect(200);

    const optedIn = await search(bob.auth);
    expect(keys(optedIn)).toEqual([spicy, clean]); // the same likes: the newer first
    expect(optedIn.body.items.map((hit: { nsfw: boolean }) => hit.nsfw)).toEqual([true, false]);
    expect(optedIn.headers['x-cache']).toBe('BYPASS');
    expect(keys(await search(bob.auth, { originals: 'false' })).sort()).toEqual([clean, spicy, spicyCopy].sort());

    const anonymous = await search();
    expect(keys(anonymous)).toEqual([clean]);
    const again = await search();
    expect([again.headers['x-cache'], keys(again)]).toEqual(['HIT', [clean]]);
    expect(keys(await search(alice.auth))).toEqual([clean]); // signed in, not opted in
    expect(keys(await search(bob.auth))).toEqual([spicy, clean]); // not the anonymous entry

    await setShowNsfw(bob, false).expect(200);
    expect(keys(await search(bob.auth))).toEqual([clean]);
  });

  it('refuses settings that are not booleans, and unknown ones, leaving the setting as it was', async () => {
    for (const body of [{ showNsfw: 'yes' }, { showNsfw: 1 }, { showNsfw: null }, { nsfw: true }]) {
      const res = await ctx.http(app).patch('/api/v1/me').set('Authorization', alice.auth).send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    await ctx.http(app).patch('/api/v1/me').send({ showNsfw: true }).expect(401);
    expect((await ctx.http(app).patch('/api/v1/me').set('Authorization', alice.auth).send({}).expect(200)).body.showNsfw).toBe(false);
  });
});
