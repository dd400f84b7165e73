import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import { type Shake, ShakeType } from '../src/shakes/schemas/shake.schema';
import { type User } from '../src/users/schemas/user.schema';
import { Role } from '../src/common/auth/role';
import { UsersService } from '../src/users/users.service';
import { settleQueues } from './harness/jobs';
import { uploadAs, walkKeys } from './harness/posts';
import { eventually } from './harness/servers';
import { TestContext } from './harness/test-app';

describe('accounts and tokens', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let users: Model<User>;
  let shakes: Model<Shake>;

  beforeAll(async () => {
    app = await ctx.startApp();
    users = app.get(getModelToken('User'));
    shakes = app.get(getModelToken('Shake'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const unique = (base: string) => `${base}${Math.random().toString(36).slice(2, 8)}`;

  describe('registration', () => {
    it('answers 201 with the user and a working token, and creates the user shake', async () => {
      const username = unique('Reg');
      const res = await http()
        .post('/api/v1/auth/register')
        .send({ username, email: ` ${username.toUpperCase()}@Example.com `, password: 'correct horse battery' })
        .expect(201);
      expect(res.body.user).toEqual({
        id: expect.any(String),
        username,
        shake: username,
        email: `${username.toLowerCase()}@example.com`,
        role: 'user',
        showNsfw: false,
        emailVerified: false,
        notificationMail: { follow: true, comment: true, mention: true, digest: false },
        createdAt: expect.any(String),
      });
      expect(res.body.token).toMatch(/^mlt_[A-Za-z0-9_-]{43}$/);

      const me = await http().get('/api/v1/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
      expect(me.body).toEqual({
        ...res.body.user,
        uploadQuota: { limitBytes: null, usedBytes: 0, month: expect.stringMatching(/^\d{4}-\d{2}$/), resetsAt: expect.any(String) },
      });

      const shake = await shakes.findOne({ nameLower: username.toLowerCase() }).lean();
      expect(shake).toMatchObject({ name: username, type: ShakeType.User, title: username });
      const stored = await users.findOne({ usernameLower: username.toLowerCase() }).lean();
      expect(stored!.passwordHash).toMatch(/^scrypt\$/);
      expect(stored!.passwordHash).not.toContain('correct horse');
    });

    it('keeps usernames unique without regard to case', async () => {
      const name = unique('Alice');
      await ctx.newUser(app, name);
      const res = await http()
        .post('/api/v1/auth/register')
        .send({ username: name.toLowerCase(), email: `${unique('x')}@example.com`, password: 'a long enough secret' })
        .expect(409);
      expect(res.body.message).toBe('That name is taken');
    });

    it('lets exactly one of two concurrent registrations of "Carol" and "carol" win', async () => {
      const name = unique('Carol');
      const attempt = (username: string) =>
        http()
          .post('/api/v1/auth/register')
          .send({ username, email: `${unique('c')}@example.com`, password: 'a long enough secret' });
      const results = await Promise.all([attempt(name), attempt(name.toLowerCase()), attempt(name.toUpperCase())]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      expect(await users.countDocuments({ usernameLower: name.toLowerCase() })).toBe(1);
      expect(await shakes.countDocuments({ nameLower: name.toLowerCase() })).toBe(1);
    });

    it('refuses an email that is already registered, in any case', async () => {
      const first = await ctx.newUser(app);
      await http()
        .post('/api/v1/auth/register')
        .send({ username: unique('e'), email: `${first.username.toUpperCase()}@EXAMPLE.COM`, password: 'a long enough secret' })
        .expect(409, /email is already registered/);
    });

    it('refuses a username taken by a group shake and leaves no user behind', async () => {
      const owner = await users.findOne().lean();
      const name = unique('group');
      await shakes.create({ name, nameLower: name, type: ShakeType.Group, ownerId: owner!._id, title: 'A group' });
      await http()
        .post('/api/v1/auth/register')
        .send({ username: name.toUpperCase(), email: `${unique('g')}@example.com`, password: 'a long enough secret' })
        .expect(409);
      expect(await users.countDocuments({ usernameLower: name })).toBe(0);
      await http().get(`/api/v1/users/${name}`).expect(404);
    });
  });

  describe('bad input gets a clear 4xx and changes nothing', () => {
    const valid = () => ({ username: unique('ok'), email: `${unique('ok')}@example.com`, password: 'a long enough secret' });
    it.each([
      ['an unknown field', { isAdmin: true }, /property isAdmin should not exist/],
      ['a username with spaces', { username: 'has spaces' }, /username must be 3-30/],
      ['a too short username', { username: 'ab' }, /username must be 3-30/],
      ['a reserved username', { username: 'Admin' }, /username is reserved/],
      ['another reserved username', { username: 'docs' }, /username is reserved/],
      ['an operator object as username', { username: { $gt: '' } }, /username must be a string/],
      ['an email without @', { email: 'nobody.example.com' }, /email must be an email address/],
      ['a number as password', { password: 1234567890123 }, /password must be a string/],
      ['a short password', { password: 'short' }, /password must be longer than or equal to 10/],
      ['a common password', { password: 'qwertyuiop' }, /password is too common/],
    ])('refuses %s with 400', async (_, change, message) => {
      const before = await users.countDocuments();
      const res = await http()
        .post('/api/v1/auth/register')
        .send({ ...valid(), ...change })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(JSON.stringify(res.body.message)).toMatch(message);
      expect(await users.countDocuments()).toBe(before);
    });

    it('refuses an operator object as login with 400, never a query', async () => {
      const user = await ctx.newUser(app);
      await http()
        .post('/api/v1/auth/login')
        .send({ login: { $ne: 'x' }, password: user.password })
        .expect(400);
      await http()
        .post('/api/v1/auth/login')
        .send({ login: user.username, password: { $ne: 'x' } })
        .expect(400);
    });

    it('refuses a 30 MB JSON body with 413', async () => {
      const res = await http()
        .post('/api/v1/auth/register')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ ...valid(), description: 'x'.repeat(30 * 1024 * 1024) }))
        .expect(413);
      expect(res.body.error).toBe('Payload Too Large');
    });

    it.each([
      ['no Authorization header', undefined, /Sign in/],
      ['another scheme', 'Basic dXNlcjpwYXNz', /Malformed Authorization header/],
      ['a malformed bearer token', 'Bearer not-a-token', /Malformed Authorization header/],
      ['an unknown token', `Bearer mlt_${'A'.repeat(43)}`, /Invalid or revoked token/],
    ])('answers %s on /me with 401', async (_, header, message) => {
      const req = http().get('/api/v1/me');
      const res = await (header ? req.set('Authorization', header) : req).expect(401);
      expect(res.body.message).toMatch(message);
    });
  });

  describe('login and logout', () => {
    it('logs in by username and by email, each time with a new token', async () => {
      const user = await ctx.newUser(app);
      const byName = await http()
        .post('/api/v1/auth/login')
        .send({ login: user.username.toUpperCase(), password: user.password })
        .expect(200);
      const byEmail = await http()
        .post('/api/v1/auth/login')
        .send({ login: `${user.username}@EXAMPLE.com`, password: user.password, tokenName: 'phone' })
        .expect(200);
      expect(byName.body.token).not.toBe(byEmail.body.token);
      expect(byName.body.user.username).toBe(user.username);
      await http().get('/api/v1/me').set('Authorization', `Bearer ${byEmail.body.token}`).expect(200);
    });

    it('answers a wrong password and an unknown user with the same 401', async () => {
      const user = await ctx.newUser(app);
      const wrong = await http().post('/api/v1/auth/login').send({ login: user.username, password: 'not the password' }).expect(401);
      const unknown = await http()
        .post('/api/v1/auth/login')
        .send({ login: unique('nobody'), password: 'not the password' })
        .expect(401);
      expect(wrong.body.message).toBe('Invalid login or password');
      expect(unknown.body.message).toBe(wrong.body.message);
    });

    it('revokes the token used to log out, and only that one', async () => {
      const user = await ctx.newUser(app);
      const other = await http().post('/api/v1/auth/login').send({ login: user.username, password: user.password }).expect(200);
      await http().post('/api/v1/auth/logout').set('Authorization', user.auth).expect(204);
      await http().get('/api/v1/me').set('Authorization', user.auth).expect(401);
      await http().get('/api/v1/me').set('Authorization', `Bearer ${other.body.token}`).expect(200);
    });
  });

  describe('tokens', () => {
    it('creates named tokens, lists them without secrets, and revokes one at once', async () => {
      const user = await ctx.newUser(app);
      const created = await http().post('/api/v1/me/tokens').set('Authorization', user.auth).send({ name: 'backup script' }).expect(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        name: 'backup script',
        token: expect.stringMatching(/^mlt_/),
        scopes: ['full'],
        createdAt: expect.any(String),
        lastUsedAt: null,
      });
      await http().get('/api/v1/me').set('Authorization', `Bearer ${created.body.token}`).expect(200);

      const listed = await http().get('/api/v1/me/tokens').set('Authorization', user.auth).expect(200);
      expect(listed.body.map((t: { name: string }) => t.name).sort()).toEqual(['backup script', 'registration']);
      const text = JSON.stringify(listed.body);
      expect(text).not.toContain(created.body.token);
      expect(text).not.toMatch(/tokenHash|"token"/);
      // Use is recorded off the request path, so it shows up a moment later.
      const used = await eventually(
        () => http().get('/api/v1/me/tokens').set('Authorization', user.auth),
        (res) => res.body.find((t: { name: string }) => t.name === 'backup script').lastUsedAt !== null,
        5000,
      );
      expect(used.body.find((t: { name: string }) => t.name === 'backup script').lastUsedAt).toEqual(expect.any(String));

      await http().delete(`/api/v1/me/tokens/${created.body.id}`).set('Authorization', user.auth).expect(204);
      await http().get('/api/v1/me').set('Authorization', `Bearer ${created.body.token}`).expect(401);
      await http().delete(`/api/v1/me/tokens/${created.body.id}`).set('Authorization', user.auth).expect(404);
    });

    it("cannot revoke another user's token", async () => {
      const alice = await ctx.newUser(app);
      const bob = await ctx.newUser(app);
      const [bobsToken] = (await http().get('/api/v1/me/tokens').set('Authorization', bob.auth).expect(200)).body;
      await http().delete(`/api/v1/me/tokens/${bobsToken.id}`).set('Authorization', alice.auth).expect(404);
      await http().delete('/api/v1/me/tokens/not-an-id').set('Authorization', alice.auth).expect(404);
      await http().get('/api/v1/me').set('Authorization', bob.auth).expect(200);
    });

    it('refuses a token with no name or unknown fields', async () => {
      const user = await ctx.newUser(app);
      await http().post('/api/v1/me/tokens').set('Authorization', user.auth).send({}).expect(400);
      await http().post('/api/v1/me/tokens').set('Authorization', user.auth).send({ name: 'x', scope: 'all' }).expect(400);
    });
  });

  describe('public profiles', () => {
    it('shows only public fields, found without regard to case', async () => {
      const user = await ctx.newUser(app, unique('Pub'));
      const res = await http().get(`/api/v1/users/${user.username.toUpperCase()}`).expect(200);
      expect(res.body).toEqual({ username: user.username, shake: user.username, createdAt: expect.any(String) });
      await http()
        .get(`/api/v1/users/${unique('ghost')}`)
        .expect(404);
    });
  });

  describe('admins', () => {
    const makeAdmin = async (username: string) => {
      const service = app.get(UsersService);
      const user = await service.getByUsername(username);
      await service.update(user._id, { role: Role.Admin });
    };

    it('keeps admin routes from users (403) and anonymous callers (401)', async () => {
      const user = await ctx.newUser(app);
      await http().get('/api/v1/admin/users').set('Authorization', user.auth).expect(403);
      await http().get('/api/v1/admin/users').expect(401);
      await http().patch(`/api/v1/admin/users/${user.username}`).set('Authorization', user.auth).send({ role: 'admin' }).expect(403);
      await http()
        .get('/api/v1/me')
        .set('Authorization', user.auth)
        .expect(200, /"role":"user"/);
    });

    it('lets an admin list users page by page', async () => {
      const admin = await ctx.newUser(app);
      await makeAdmin(admin.username);
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const res = await http()
          .get('/api/v1/admin/users')
          .query({ limit: 2, ...(after ? { after } : {}) })
          .set('Authorization', admin.auth)
          .expect(200);
        seen.push(...res.body.items.map((u: { username: string }) => u.username));
        expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|scrypt/);
        after = res.body.next;
      } while (after);
      expect(seen).toContain(admin.username);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBe(await users.countDocuments());
      await http().get('/api/v1/admin/users').query({ limit: 1000 }).set('Authorization', admin.auth).expect(400);
    });

    it('disables a user, whose tokens stop working at once, and makes another admin', async () => {
      const admin = await ctx.newUser(app);
      await makeAdmin(admin.username);
      const target = await ctx.newUser(app);

      const disabled = await http()
        .patch(`/api/v1/admin/users/${target.username}`)
        .set('Authorization', admin.auth)
        .send({ disabled: true })
        .expect(200);
      expect(disabled.body).toMatchObject({ username: target.username, disabled: true });
      await http().get('/api/v1/me').set('Authorization', target.auth).expect(401);
      await http().post('/api/v1/auth/login').send({ login: target.username, password: target.password }).expect(401);
      await http().get(`/api/v1/users/${target.username}`).expect(404);

      const promoted = await ctx.newUser(app);
      await http().patch(`/api/v1/admin/users/${promoted.username}`).set('Authorization', admin.auth).send({ role: 'admin' }).expect(200);
      await http().get('/api/v1/admin/users').set('Authorization', promoted.auth).expect(200);
    });

    it('revokes every token of a disabled user for good: enabling them again brings none back', async () => {
      const admin = await ctx.newUser(app);
      await makeAdmin(admin.username);
      const target = await ctx.newUser(app);
      const named = await http().post('/api/v1/me/tokens').set('Authorization', target.auth).send({ name: 'script' }).expect(201);
      const login = await http().post('/api/v1/auth/login').send({ login: target.username, password: target.password }).expect(200);
      const tokens = [target.auth, `Bearer ${named.body.token as string}`, `Bearer ${login.body.token as string}`];
      const account = `/api/v1/admin/users/${target.username}`;

      await http().patch(account).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
      for (const token of tokens) await http().get('/api/v1/me').set('Authorization', token).expect(401);
      await http().patch(account).set('Authorization', admin.auth).send({ disabled: false }).expect(200);
      for (const token of tokens) await http().get('/api/v1/me').set('Authorization', token).expect(401);

      const again = await http().post('/api/v1/auth/login').send({ login: target.username, password: target.password }).expect(200);
      const listed = await http()
        .get('/api/v1/me/tokens')
        .set('Authorization', `Bearer ${again.body.token as string}`)
        .expect(200);
      expect((listed.body as { name: string }[]).map((token) => token.name)).toEqual(['login']);
    });

    it("hides a disabled user's posts on every route and stream, and their group shakes in search, until they are enabled again", async () => {
      const admin = await ctx.newUser(app);
      await makeAdmin(admin.username);
      const target = await ctx.newUser(app);
      const fan = await ctx.newUser(app);
      const word = `w${Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'x')}`;
      const post = await uploadAs(app, target, { title: `otter ${word}` });
      await http().put(`/api/v1/shakes/${target.username}/follow`).set('Authorization', fan.auth).expect(204);
      const saver = await ctx.newUser(app);
      const copy = (await http().post(`/api/v1/files/${post.key}/save`).set('Authorization', saver.auth).send({}).expect(201)).body;
      const group = unique('g');
      await http()
        .post('/api/v1/shakes')
        .set('Authorization', target.auth)
        .send({ name: group, title: 'Group', description: `herons ${word}` })
        .expect(201);
      await settleQueues(app);
      const searched = async () =>
        ((await http().get('/api/v1/search').query({ q: word }).expect(200)).body.items as { key: string }[]).map((hit) => hit.key);
      const streams = async () => ({
        timeline: await walkKeys(app, '/api/v1/timeline', { auth: fan.auth }),
        shake: await walkKeys(app, `/api/v1/shakes/${target.username}/files`),
        incoming: (await walkKeys(app, '/api/v1/incoming')).includes(post.key) ? [post.key] : [],
        search: await searched(),
        shakes: ((await http().get('/api/v1/search').query({ q: word, type: 'shakes' }).expect(200)).body.items as { name: string }[]).map(
          (hit) => hit.name,
        ),
      });
      const shown = { timeline: [post.key], shake: [post.key], incoming: [post.key], search: [post.key], shakes: [group] };
      expect(await streams()).toEqual(shown);
      await http().get(`/api/v1/files/${post.key}`).expect(200); // and cached
      const account = `/api/v1/admin/users/${target.username}`;

      await http().patch(account).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
      for (const path of ['', '/raw', '/thumbnail', '/comments']) await http().get(`/api/v1/files/${post.key}${path}`).expect(404);
      await http().put(`/api/v1/files/${post.key}/like`).set('Authorization', fan.auth).expect(404);
      await http().post(`/api/v1/files/${post.key}/save`).set('Authorization', fan.auth).send({}).expect(404);
      // Liking someone's copy likes its original too, unless the original is hidden.
      await http()
        .put(`/api/v1/files/${copy.key as string}/like`)
        .set('Authorization', fan.auth)
        .expect(204);
      await settleQueues(app);
      expect(await streams()).toEqual({ timeline: [], shake: [], incoming: [], search: [], shakes: [] });
      const original = await app.get<Model<{ key: string }>>(getModelToken('SharedFile')).findOne({ key: post.key }).orFail();
      expect(await app.get<Model<{ sharedFileId: unknown }>>(getModelToken('Like')).countDocuments({ sharedFileId: original._id })).toBe(0);

      await http().patch(account).set('Authorization', admin.auth).send({ disabled: false }).expect(200);
      await http().get(`/api/v1/files/${post.key}`).expect(200);
      await http().get(`/api/v1/files/${post.key}/raw`).expect(200);
      await settleQueues(app);
      expect(await streams()).toEqual(shown);
    });

    it('does not let an admin disable or demote themselves, and validates the change', async () => {
      const admin = await ctx.newUser(app);
      await makeAdmin(admin.username);
      await http().patch(`/api/v1/admin/users/${admin.username}`).set('Authorization', admin.auth).send({ disabled: true }).expect(409);
      await http().patch(`/api/v1/admin/users/${admin.username}`).set('Authorization', admin.auth).send({ role: 'owner' }).expect(400);
      await http()
        .patch(`/api/v1/admin/users/${unique('ghost')}`)
        .set('Authorization', admin.auth)
        .send({ disabled: true })
        .expect(404);
      await http().get('/api/v1/admin/users').set('Authorization', admin.auth).expect(200);
    });
  });

  it('documents the bearer scheme on protected routes in OpenAPI', async () => {
    const doc = (await http().get('/docs-json').expect(200)).body;
    expect(doc.paths['/api/v1/me'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/admin/users'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/auth/login'].post.security).toBeUndefined();
    expect(doc.paths['/api/v1/auth/register'].post.operationId).toBe('AuthController_register');
  });
});
