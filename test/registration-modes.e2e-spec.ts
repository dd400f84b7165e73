import { randomBytes } from 'node:crypto';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { Invite } from '../src/auth/schemas/invite.schema';
import type { User } from '../src/users/schemas/user.schema';
import { makeAdmin } from './harness/admins';
import { TestContext, type TestUser } from './harness/test-app';

const name = () => `r${randomBytes(5).toString('hex')}`;
const account = (invite?: string) => {
  const username = name();
  return { username, email: `${username}@example.com`, password: 'a long enough secret', ...(invite ? { invite } : {}) };
};

describe('registration by invite (REGISTRATION=invite)', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let admin: TestUser;
  let invites: Model<Invite>;
  let users: Model<User>;

  beforeAll(async () => {
    // The admin registers while the site is open (as the CLI would make one), then the site runs by invite.
    const open = await ctx.startApp();
    admin = await ctx.newUser(open);
    await makeAdmin(open, admin.username);
    await ctx.closeApp(open);
    app = await ctx.startApp({ REGISTRATION: 'invite' });
    invites = app.get(getModelToken('Invite'));
    users = app.get(getModelToken('User'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const register = (body: object) => http().post('/api/v1/auth/register').send(body);
  const createInvite = async (body: object = {}) =>
    (await http().post('/api/v1/admin/invites').set('Authorization', admin.auth).send(body).expect(201)).body as {
      id: string;
      code: string;
    };

  it('refuses a registration without an invite, or with an unknown one, saying why', async () => {
    const refused = [account(), account(`inv_${randomBytes(16).toString('base64url')}`)];
    const none = await register(refused[0]).expect(403);
    expect(none.body.message).toMatch(/^Registration on this site needs an invite code/);
    const unknown = await register(refused[1]).expect(403);
    expect(unknown.body.message).toBe('This invite code is not valid');
    expect(await users.countDocuments({ username: { $in: refused.map((a) => a.username) } })).toBe(0);
  });

  it('admits as many registrations as the invite allows, then says it is used up', async () => {
    const created = await http()
      .post('/api/v1/admin/invites')
      .set('Authorization', admin.auth)
      .send({ uses: 2, expiresInDays: 3 })
      .expect(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      code: expect.stringMatching(/^inv_[A-Za-z0-9_-]{22}$/),
      uses: 2,
      used: 0,
      state: 'active',
      expiresAt: expect.any(String),
      createdAt: expect.any(String),
    });
    const days = (Date.parse(created.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThanOrEqual(3);

    const code = created.body.code as string;
    await register(account(code)).expect(201);
    await register(account(code)).expect(201);
    const third = await register(account(code)).expect(403);
    expect(third.body.message).toBe('This invite has been used up: ask for a new one');

    const listed = (await http().get('/api/v1/admin/invites').set('Authorization', admin.auth).expect(200)).body as object[];
    expect(listed).toContainEqual(expect.objectContaining({ id: created.body.id, uses: 2, used: 2, state: 'used-up' }));
    expect(JSON.stringify(listed)).not.toContain(code);
    expect(JSON.stringify(await invites.find().lean())).not.toContain(code);
  });

  it('is single-use by default, and refuses an expired invite', async () => {
    const once = await createInvite();
    await register(account(once.code)).expect(201);
    await register(account(once.code)).expect(403);

    const later = await createInvite();
    await invites.updateOne({ _id: later.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await register(account(later.code)).expect(403);
    expect(expired.body.message).toBe('This invite has expired: ask for a new one');
    const listed = (await http().get('/api/v1/admin/invites').set('Authorization', admin.auth).expect(200)).body as object[];
    expect(listed).toContainEqual(expect.objectContaining({ id: later.id, used: 0, state: 'expired' }));
  });

  it('gives the use back when the registration fails for another reason', async () => {
    const invite = await createInvite();
    const taken = await register({ ...account(invite.code), username: admin.username }).expect(409);
    expect(taken.body.message).toBe('That name is taken');
    await register(account(invite.code)).expect(201);
  });

  it('lets admins revoke invites, and only admins create or see them', async () => {
    const invite = await createInvite();
    await http().delete(`/api/v1/admin/invites/${invite.id}`).set('Authorization', admin.auth).expect(204);
    await http().delete(`/api/v1/admin/invites/${invite.id}`).set('Authorization', admin.auth).expect(404);
    expect((await register(account(invite.code)).expect(403)).body.message).toBe('This invite code is not valid');

    const member = await ctx.newUser(app).catch(() => null);
    expect(member).toBeNull(); // no invite: refused
    const invited = await createInvite();
    const body = account(invited.code);
    const token = (await register(body).expect(201)).body.token as string;
    await http().post('/api/v1/admin/invites').set('Authorization', `Bearer ${token}`).send({}).expect(403);
    await http().get('/api/v1/admin/invites').set('Authorization', `Bearer ${token}`).expect(403);
    await http().post('/api/v1/admin/invites').expect(401);
  });

  it('validates the invite request', async () => {
    for (const body of [{ uses: 0 }, { uses: 1001 }, { expiresInDays: 0 }, { uses: 'two' }, { other: 1 }]) {
      await http().post('/api/v1/admin/invites').set('Authorization', admin.auth).send(body).expect(400);
    }
  });

  it('tells clients in GET /site that registration is by invite', async () => {
    const site = await http().get('/api/v1/site').expect(200);
    expect(site.body.registration).toBe('invite');
  });
});

describe('closed registration (REGISTRATION=closed)', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  it('refuses every registration with a clear 403, invite or not, and says so in GET /site', async () => {
    const app = await ctx.startApp({ REGISTRATION: 'closed' });
    const res = await ctx.http(app).post('/api/v1/auth/register').send(account()).expect(403);
    expect(res.body).toMatchObject({ statusCode: 403, error: 'Forbidden', message: 'Registration is closed on this site' });
    await ctx.http(app).post('/api/v1/auth/register').send(account('inv_whatever')).expect(403);
    expect((await ctx.http(app).get('/api/v1/site').expect(200)).body.registration).toBe('closed');
  });
});

describe('GET /api/v1/site', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  it('describes the site, its registration mode and the limits a client needs, from the response cache', async () => {
    const app = await ctx.startApp({
      SITE_NAME: 'Our Pictures',
      PUBLIC_URL: 'https://pictures.example.org',
      UPLOAD_MAX_BYTES: '1048576',
      UPLOAD_MAX_PIXELS: '4000000',
    });
    const first = await ctx.http(app).get('/api/v1/site').expect(200);
    expect(first.body).toEqual({
      name: 'Our Pictures',
      url: 'https://pictures.example.org',
      registration: 'open',
      emailVerification: { enabled: true, requiredFor: [] },
      passwordReset: true,
      uploads: {
        maxBytes: 1048576,
        maxPixels: 4000000,
        formats: ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif'],
        fieldMaxLengths: { title: 250, description: 10000, altText: 2000 },
        quotaBytesPerMonth: 0,
      },
      groupShakesPerUser: 50,
    });
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await ctx.http(app).get('/api/v1/site').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual(first.body);
    await ctx.http(app).get('/api/v1/site').set('If-None-Match', first.headers.etag).expect(304);
    await ctx.closeApp(app);

    // Restarted with other settings, on the same Redis: the old entry is not served.
    const changed = await ctx.startApp({ REGISTRATION: 'invite', EMAIL_VERIFICATION_REQUIRED_FOR: 'upload,comment' });
    const after = await ctx.http(changed).get('/api/v1/site').expect(200);
    expect(after.headers['x-cache']).toBe('MISS');
    expect(after.body).toMatchObject({
      name: 'Malted',
      registration: 'invite',
      emailVerification: { enabled: true, requiredFor: ['upload', 'comment'] },
    });
  });
});
