import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { SharedFile } from '../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../src/files/schemas/source-file.schema';
import type { Follow } from '../src/shakes/schemas/follow.schema';
import type { Shake } from '../src/shakes/schemas/shake.schema';
import { ShakesService } from '../src/shakes/shakes.service';
import { makeAdmin } from './harness/admins';
import { settleQueues, settleSocialJobs } from './harness/jobs';
import { type Uploaded, uploadAs, walkKeys } from './harness/posts';
import { TestContext, type TestUser } from './harness/test-app';

describe('shakes', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let shakes: Model<Shake>;
  let follows: Model<Follow>;
  let posts: Model<SharedFile>;
  let sources: Model<SourceFile>;

  beforeAll(async () => {
    app = await ctx.startApp();
    shakes = app.get(getModelToken('Shake'));
    follows = app.get(getModelToken('Follow'));
    posts = app.get(getModelToken('SharedFile'));
    sources = app.get(getModelToken('SourceFile'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const unique = (base: string) => `${base}${Math.random().toString(36).slice(2, 8)}`;
  const createShake = async (owner: TestUser, fields: Record<string, unknown> = {}) => {
    const res = await http()
      .post('/api/v1/shakes')
      .set('Authorization', owner.auth)
      .send({ name: unique('g'), title: 'A group', ...fields })
      .expect(201);
    return res.body as { name: string };
  };

  describe('creating and reading', () => {
    it('creates a group shake owned by the caller and shows it to anyone, found without regard to case', async () => {
      const owner = await ctx.newUser(app);
      const name = unique('Cats');
      const created = await http()
        .post('/api/v1/shakes')
        .set('Authorization', owner.auth)
        .send({ name, title: '  Cats of Malted ', description: 'Only cats.' })
        .expect(201);
      const expected = {
        name,
        type: 'group',
        title: 'Cats of Malted',
        description: 'Only cats.',
        owner: { username: owner.username },
        managers: [],
        followerCount: 0,
        fileCount: 0,
        createdAt: expect.any(String),
      };
      expect(created.body).toEqual({ ...expected, viewer: { following: false, canPost: true } });
      const read = await http().get(`/api/v1/shakes/${name.toUpperCase()}`).expect(200);
      expect(read.body).toEqual(expected);
      expect(JSON.stringify(read.body)).not.toMatch(/_id|__v|nameLower|ownerId|followerCountAt/);
    });

    it("shows a user's own shake under their name", async () => {
      const user = await ctx.newUser(app);
      const res = await http().get(`/api/v1/shakes/${user.username}`).expect(200);
      expect(res.body).toMatchObject({ name: user.username, type: 'user', owner: { username: user.username } });
    });

    it.each([
      ['a name of another case', (n: string) => n.toUpperCase()],
      ['the same name', (n: string) => n],
    ])('refuses %s of an existing group shake with 409', async (_, variant) => {
      const owner = await ctx.newUser(app);
      const { name } = await createShake(owner);
      const other = await ctx.newUser(app);
      const res = await http()
        .post('/api/v1/shakes')
        .set('Authorization', other.auth)
        .send({ name: variant(name), title: 'x' })
        .expect(409);
      expect(res.body.message).toMatch(/name is taken/);
    });

    it('refuses the name of an existing user (any case) with 409: one namespace', async () => {
      const user = await ctx.newUser(app, unique('Dora'));
      const other = await ctx.newUser(app);
      await http()
        .post('/api/v1/shakes')
        .set('Authorization', other.auth)
        .send({ name: user.username.toLowerCase(), title: 'x' })
        .expect(409);
      await http()
        .post('/api/v1/shakes')
        .set('Authorization', user.auth)
        .send({ name: user.username.toUpperCase(), title: 'x' })
        .expect(409);
      expect(await shakes.countDocuments({ nameLower: user.username.toLowerCase() })).toBe(1);
    });

    it('lets exactly one of concurrent creations of one name in several cases win', async () => {
      const owner = await ctx.newUser(app);
      const name = unique('Race');
      const attempt = (n: string) => http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name: n, title: 'x' });
      const results = await Promise.all([attempt(name), attempt(name.toLowerCase()), attempt(name.toUpperCase())]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    });

    const long = (n: number) => 'x'.repeat(n);
    it.each([
      ['a reserved name', { name: 'Admin' }, /name is reserved/],
      ['another reserved name', { name: 'notifications' }, /name is reserved/],
      ['an empty name', { name: '' }, /name must be 1-25/],
      ['a 26-character name', { name: long(26) }, /name must be 1-25/],
      ['a name with a slash', { name: 'a/b' }, /name must be 1-25/],
      ['a name with a dot', { name: 'a.b' }, /name must be 1-25/],
      ['a name with spaces', { name: 'two words' }, /name must be 1-25/],
      ['an operator object as name', { name: { $gt: '' } }, /name must be a string/],
      ['no title', { title: undefined }, /title must be a string/],
      ['a blank title', { title: '   ' }, /title must not be empty/],
      ['a 101-character title', { title: long(101) }, /title must be shorter than or equal to 100/],
      ['a 1001-character description', { description: long(1001) }, /description must be shorter than or equal to 1000/],
      ['an unknown field', { followerCount: 1000 }, /property followerCount should not exist/],
    ])('refuses %s with 400 and stores nothing', async (_, change, message) => {
      const owner = await ctx.newUser(app);
      const before = await shakes.countDocuments();
      const res = await http()
        .post('/api/v1/shakes')
        .set('Authorization', owner.auth)
        .send({ name: unique('ok'), title: 'ok', ...change })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toMatch(message);
      expect(await shakes.countDocuments()).toBe(before);
    });

    it('accepts a 1-character and a 25-character name', async () => {
      const owner = await ctx.newUser(app);
      await createShake(owner, { name: unique('L').padEnd(25, '_') });
      await http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name: 'Q', title: 'x' }).expect(201);
      await http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name: 'q', title: 'x' }).expect(409);
    });

    it.each([
      ['GET', ''],
      ['PATCH', ''],
      ['DELETE', ''],
      ['PUT', '/follow'],
      ['DELETE', '/follow'],
      ['GET', '/followers'],
      ['PUT', '/managers/nobody'],
    ])('answers %s /shakes/<unknown>%s with 404', async (method, suffix) => {
      const user = await ctx.newUser(app);
      for (const name of [unique('ghost'), 'not.a-name', 'x'.repeat(40)]) {
        const res = await http()
          [method.toLowerCase() as 'get'](`/api/v1/shakes/${name}${suffix}`)
          .set('Authorization', user.auth)
          .send(method === 'PATCH' ? { title: 'x' } : undefined)
          .expect(404);
        expect(res.body.message).toBe('No such shake');
      }
    });
  });

  describe('per-user limit', () => {
    let limited: NestExpressApplication;
    beforeAll(async () => {
      limited = await ctx.startApp({ MALTED_MODE: 'api', GROUP_SHAKES_PER_USER: '2' });
    });
    const post = (user: TestUser) =>
      ctx
        .http(limited)
        .post('/api/v1/shakes')
        .set('Authorization', user.auth)
        .send({ name: unique('lim'), title: 'x' });

    it('refuses the group shake past GROUP_SHAKES_PER_USER with 409; the user shake does not count', async () => {
      const user = await ctx.newUser(limited);
      expect((await post(user)).status).toBe(201);
      expect((await post(user)).status).toBe(201);
      const third = await post(user);
      expect(third.status).toBe(409);
      expect(third.body.message).toMatch(/already own 2 group shakes/);
    });

    it('never exceeds the limit under concurrent creations', async () => {
      const user = await ctx.newUser(limited);
      const results = await Promise.all(Array.from({ length: 6 }, () => post(user)));
      expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
      const owned = await shakes.countDocuments({
        ownerId: (await shakes.findOne({ nameLower: user.username.toLowerCase() }))!.ownerId,
        type: 'group',
      });
      expect(owned).toBeLessThanOrEqual(2);
      expect(owned).toBe(results.filter((r) => r.status === 201).length);
    });
  });

  describe('editing, deleting, managers', () => {
    it('lets the owner change title and description, and refuses bad changes', async () => {
      const owner = await ctx.newUser(app);
      const { name } = await createShake(owner);
      const res = await http()
        .patch(`/api/v1/shakes/${name}`)
        .set('Authorization', owner.auth)
        .send({ title: 'New', description: 'Now with dogs' })
        .expect(200);
      expect(res.body).toMatchObject({ name, title: 'New', description: 'Now with dogs' });
      await http().patch(`/api/v1/shakes/${name}`).set('Authorization', owner.auth).send({ title: '' }).expect(400);
      await http().patch(`/api/v1/shakes/${name}`).set('Authorization', owner.auth).send({ name: 'renamed' }).expect(400);
      await http().patch(`/api/v1/shakes/${name}`).set('Authorization', owner.auth).send({ followerCount: 9 }).expect(400);
      expect((await http().get(`/api/v1/shakes/${name}`).expect(200)).body).toMatchObject({ title: 'New', followerCount: 0 });
    });

    it('deletes a group shake, frees its name, and a job removes its follows', async () => {
      const owner = await ctx.newUser(app);
      const fan = await ctx.newUser(app);
      const { name } = await createShake(owner);
      await http().put(`/api/v1/shakes/${name}/follow`).set('Authorization', fan.auth).expect(204);
      const shakeId = (await shakes.findOne({ nameLower: name.toLowerCase() }))!._id;
      await http().delete(`/api/v1/shakes/${name}`).set('Authorization', owner.auth).expect(204);
      await http().get(`/api/v1/shakes/${name}`).expect(404);
      await settleSocialJobs(app);
      expect(await follows.countDocuments({ shakeId })).toBe(0);
      await createShake(fan, { name }); // the name is free again
      const following = await http().get('/api/v1/me/following').set('Authorization', fan.auth).expect(200);
      expect(following.body.items).toEqual([]);
    });

    it("deletes a group shake's posts as DELETE /files/:key would: hidden at once, then released and forgotten", async () => {
      const owner = await ctx.newUser(app);
      const fan = await ctx.newUser(app);
      const stranger = await ctx.newUser(app);
      const { name } = await createShake(owner);
      const word = `w${Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'x')}`;
      const post = await uploadAs(app, owner, { shake: name, title: `heron ${word}` });
      const alone = await uploadAs(app, owner, { shake: name, title: `egret ${word}` }); // bytes nothing else uses
      await http().put(`/api/v1/shakes/${name}/follow`).set('Authorization', fan.auth).expect(204);
      const copy = (await http().post(`/api/v1/files/${post.key}/save`).set('Authorization', fan.auth).send({}).expect(201))
        .body as Uploaded;
      await http().put(`/api/v1/files/${post.key}/like`).set('Authorization', fan.auth).expect(204);
      await http().post(`/api/v1/files/${post.key}/comments`).set('Authorization', fan.auth).send({ body: 'nice' }).expect(201);
      await settleQueues(app);
      const searched = async (extra: Record<string, string> = {}) =>
        (
          (
            await http()
              .get('/api/v1/search')
              .query({ q: word, ...extra })
              .expect(200)
          ).body.items as { key: string }[]
        ).map((hit) => hit.key);
      expect((await searched()).sort()).toEqual([post.key, alone.key].sort());
      await http().get(`/api/v1/files/${post.key}`).expect(200); // and cached
      const stored = await posts.findOne({ key: alone.key }).orFail();

      await http().delete(`/api/v1/shakes/${name}`).set('Authorization', owner.auth).expect(204);

      // Every route on the post agrees at once, whether or not the job has run yet.
      for (const path of ['', '/raw', '/thumbnail', '/comments']) await http().get(`/api/v1/files/${post.key}${path}`).expect(404);
      await http().put(`/api/v1/files/${post.key}/like`).set('Authorization', stranger.auth).expect(404);
      await http().post(`/api/v1/files/${post.key}/save`).set('Authorization', stranger.auth).send({}).expect(404);
      await http().post(`/api/v1/files/${post.key}/comments`).set('Authorization', stranger.auth).send({ body: 'hi' }).expect(404);
      await settleQueues(app);

      for (const key of [post.key, alone.key]) {
        expect(await posts.findOne({ key }).lean()).toMatchObject({ deletedAt: expect.any(Date), sourceReleased: true });
      }
      expect(await sources.countDocuments({ _id: stored.sourceId })).toBe(0); // released and purged
      expect(await searched({ originals: 'false' })).toEqual([copy.key]);
      await http().get(`/api/v1/files/${copy.key}/raw`).expect(200); // a saved copy lives in its own shake
      const timeline = await walkKeys(app, '/api/v1/timeline', { auth: fan.auth });
      expect(timeline).toContain(copy.key);
      expect(timeline).not.toContain(post.key);
      expect(await walkKeys(app, '/api/v1/incoming')).not.toEqual(expect.arrayContaining([post.key]));
    });

    it('never deletes a user shake, not even for an admin', async () => {
      const user = await ctx.newUser(app);
      const admin = await ctx.newUser(app);
      await makeAdmin(app, admin.username);
      for (const caller of [user, admin]) {
        const res = await http().delete(`/api/v1/shakes/${user.username}`).set('Authorization', caller.auth).expect(409);
        expect(res.body.message).toMatch(/user shake cannot be deleted/);
      }
      await http().get(`/api/v1/shakes/${user.username}`).expect(200);
    });

    it('adds and removes managers idempotently; managers may post, not run the shake', async () => {
      const owner = await ctx.newUser(app);
      const helper = await ctx.newUser(app, unique('Helper'));
      const { name } = await createShake(owner);
      const service = app.get(ShakesService);
      const path = `/api/v1/shakes/${name}/managers/${helper.username.toLowerCase()}`;

      await http().put(path).set('Authorization', owner.auth).expect(200);
      const twice = await http().put(path).set('Authorization', owner.auth).expect(200);
      expect(twice.body.managers).toEqual([{ username: helper.username }]);
      const helperId = (await shakes.findOne({ nameLower: helper.username.toLowerCase() }))!.ownerId;
      expect(service.canPost(helperId, (await service.findByName(name))!)).toBe(true);

      await http()
        .delete(path)
        .set('Authorization', owner.auth)
        .expect(200, /"managers":\[\]/);
      await http()
        .delete(path)
        .set('Authorization', owner.auth)
        .expect(200, /"managers":\[\]/);
      expect(service.canPost(helperId, (await service.findByName(name))!)).toBe(false);
    });

    it('refuses the owner as a manager, managers on a user shake, and unknown users', async () => {
      const owner = await ctx.newUser(app);
      const other = await ctx.newUser(app);
      const { name } = await createShake(owner);
      const self = await http().put(`/api/v1/shakes/${name}/managers/${owner.username}`).set('Authorization', owner.auth).expect(409);
      expect(self.body.message).toMatch(/owner .* cannot also be one of its managers/);
      await http()
        .put(`/api/v1/shakes/${owner.username}/managers/${other.username}`)
        .set('Authorization', owner.auth)
        .expect(409, /Only group shakes have managers/);
      await http()
        .put(`/api/v1/shakes/${name}/managers/${unique('nobody')}`)
        .set('Authorization', owner.auth)
        .expect(404, /No such user/);
      await http()
        .delete(`/api/v1/shakes/${name}/managers/${unique('nobody')}`)
        .set('Authorization', owner.auth)
        .expect(404, /No such user/);
    });

    it("resolves a user's own shake and says who may post where", async () => {
      const user = await ctx.newUser(app);
      const service = app.get(ShakesService);
      const own = await shakes.findOne({ nameLower: user.username.toLowerCase() });
      const resolved = await service.getUserShakeOf(own!.ownerId);
      expect(resolved.name).toBe(user.username);
      expect(service.canPost(own!.ownerId, resolved)).toBe(true);
      const stranger = await ctx.newUser(app);
      const strangerId = (await shakes.findOne({ nameLower: stranger.username.toLowerCase() }))!.ownerId;
      expect(service.canPost(strangerId, resolved)).toBe(false);
    });
  });

  it('documents the shake routes with bearer auth where a token is needed', async () => {
    const doc = (await http().get('/docs-json').expect(200)).body;
    expect(doc.paths['/api/v1/shakes'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/shakes/{name}'].get.security).toBeUndefined();
    expect(doc.paths['/api/v1/shakes/{name}'].patch.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/shakes/{name}/follow'].put.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/shakes/{name}/followers'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'limit', schema: expect.objectContaining({ maximum: 100 }) })]),
    );
    expect(doc.paths['/api/v1/notifications'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/admin/recount'].post.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/shakes/{name}'].get.operationId).toBe('ShakesController_get');
  });
});
