import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { Role } from '../src/common/auth/role';
import { ALL_QUEUE_NAMES, QUEUES } from '../src/jobs/queues';
import { UsersService } from '../src/users/users.service';
import { makeAdmin } from './harness/admins';
import { TestContext, type TestUser } from './harness/test-app';

/** The session cookie from a Set-Cookie answer, as a browser would send it back. */
function sessionCookieOf(setCookie: string[] | string | undefined): { header: string; attributes: string } {
  const cookie = ([] as string[]).concat(setCookie ?? []).find((line) => line.startsWith('malted_admin='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return { header: cookie.split(';')[0], attributes: cookie };
}

describe('queue dashboard at /admin/queues (admins only, session cookie, CSRF)', () => {
  const ctx = new TestContext(__filename);
  let api: NestExpressApplication;
  let admin: TestUser;
  let someone: TestUser;

  beforeAll(async () => {
    api = await ctx.startApp({ MALTED_MODE: 'api' });
    admin = await ctx.newUser(api);
    someone = await ctx.newUser(api);
    await makeAdmin(api, admin.username);
  });
  afterAll(() => ctx.close());

  const signIn = async (user: TestUser = admin) => {
    const res = await ctx.http(api).post('/api/v1/admin/session').set('Authorization', user.auth).expect(201);
    return sessionCookieOf(res.headers['set-cookie']);
  };

  it('refuses anonymous callers with 401 and shows nothing of the UI', async () => {
    for (const path of ['/admin/queues', '/admin/queues/', '/admin/queues/api/queues', '/admin/queues/static/js/main.js']) {
      const res = await ctx.http(api).get(path).set('Accept', 'text/html');
      expect(res.status).toBe(401);
      expect(res.text).not.toContain('__UI_CONFIG__');
      expect(res.text).not.toContain(QUEUES.social.name);
    }
    await ctx.http(api).put('/admin/queues/api/queues/system/retry/failed').expect(401);
    await ctx.http(api).get('/admin/queues').set('Cookie', 'malted_admin=made-up').expect(401);
    await ctx.http(api).post('/api/v1/admin/session').expect(401);
  });

  it('refuses a signed-in user who is not an admin with 403, by token and at the session endpoint', async () => {
    const page = await ctx.http(api).get('/admin/queues').set('Authorization', someone.auth);
    expect(page.status).toBe(403);
    expect(page.text).not.toContain('__UI_CONFIG__');
    const session = await ctx.http(api).post('/api/v1/admin/session').set('Authorization', someone.auth);
    expect(session.status).toBe(403);
    expect(session.headers['set-cookie']).toBeUndefined();
  });

  it('trades an admin token for a short-lived HttpOnly, SameSite=Strict cookie that opens the dashboard', async () => {
    const cookie = await signIn();
    expect(cookie.attributes).toMatch(/; Max-Age=900;/);
    expect(cookie.attributes).toMatch(/; Path=\/admin\/queues;/);
    expect(cookie.attributes).toMatch(/; HttpOnly/);
    expect(cookie.attributes).toMatch(/; SameSite=Strict/);
    expect(cookie.attributes).not.toMatch(/; Secure/); // plain http outside production

    const page = await ctx.http(api).get('/admin/queues').set('Cookie', cookie.header).expect(200);
    expect(page.text).toContain('__UI_CONFIG__');
    expect(page.headers['cache-control']).toBe('no-store');
    const queues = await ctx.http(api).get('/admin/queues/api/queues').set('Cookie', cookie.header).expect(200);
    const names = (queues.body as { queues: { name: string }[] }).queues.map((queue) => queue.name);
    expect(names.sort()).toEqual([...ALL_QUEUE_NAMES].sort());
  });

  it('lets scripts in with an admin bearer token', async () => {
    await ctx.http(api).get('/admin/queues/api/queues').set('Authorization', admin.auth).expect(200);
  });

  it('refuses a mutating request with the cookie unless it comes from the dashboard itself (Origin)', async () => {
    const cookie = await signIn();
    const queue = api.get<Queue>(getQueueToken(QUEUES.system.name));
    await queue.pause(); // the action under test resumes it, so its effect is visible in Redis
    const action = '/admin/queues/api/queues/system/resume';
    const origin = 'http://127.0.0.1';

    await ctx.http(api).put(action).set('Cookie', cookie.header).expect(403);
    await ctx.http(api).put(action).set('Cookie', cookie.header).set('Origin', 'http://evil.example').expect(403);
    await ctx.http(api).put(action).set('Cookie', cookie.header).set('Origin', 'null').expect(403);
    const crossSite = await ctx
      .http(api)
      .put(action)
      .set('Cookie', cookie.header)
      .set('Host', '127.0.0.1')
      .set('Origin', origin)
      .set('Sec-Fetch-Site', 'same-site');
    expect(crossSite.status).toBe(403);
    expect(await queue.isPaused()).toBe(true);

    const own = await ctx.http(api).put(action).set('Cookie', cookie.header).set('Host', '127.0.0.1').set('Origin', origin);
    expect(own.status).toBeLessThan(300);
    expect(await queue.isPaused()).toBe(false);
  });

  it("signs out with a POST from the dashboard's own origin, which ends the session", async () => {
    const cookie = await signIn();
    await ctx.http(api).post('/admin/queues/sign-out').set('Cookie', cookie.header).expect(403); // no Origin
    await ctx.http(api).get('/admin/queues').set('Cookie', cookie.header).expect(200);
    const out = await ctx
      .http(api)
      .post('/admin/queues/sign-out')
      .set('Cookie', cookie.header)
      .set('Host', '127.0.0.1')
      .set('Origin', 'http://127.0.0.1')
      .expect(303)
      .expect('Location', '/admin/sign-in');
    expect(String(out.headers['set-cookie'])).toMatch(/^malted_admin=; Path=\/admin\/queues; Expires=Thu, 01 Jan 1970/);
    await ctx.http(api).get('/admin/queues').set('Cookie', cookie.header).expect(401);
  });

  it('ends the session when its token is revoked, and answers 403 once its user is no admin', async () => {
    const login = await ctx.http(api).post('/api/v1/auth/login').send({ login: admin.username, password: admin.password }).expect(200);
    const second: TestUser = { ...admin, token: login.body.token as string, auth: `Bearer ${login.body.token as string}` };
    const cookie = await signIn(second);
    await ctx.http(api).get('/admin/queues').set('Cookie', cookie.header).expect(200);
    await ctx.http(api).post('/api/v1/auth/logout').set('Authorization', second.auth).expect(204);
    await ctx.http(api).get('/admin/queues').set('Cookie', cookie.header).expect(401);

    const other = await ctx.newUser(api);
    await makeAdmin(api, other.username);
    const otherCookie = await signIn(other);
    const users = api.get(UsersService);
    await users.update((await users.getByUsername(other.username))._id, { role: Role.User });
    await ctx.http(api).get('/admin/queues').set('Cookie', otherCookie.header).expect(403);
  });

  it('is Secure in production and not mounted where the API is not served', async () => {
    // What production requires besides: a public origin, a chosen store, and no mail features (no SMTP server here).
    const production = await ctx.startApp({
      MALTED_MODE: 'api',
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://malted.example.com',
      STORAGE_DRIVER: 'local',
      EMAIL_VERIFICATION_ENABLED: 'false',
      PASSWORD_RESET_ENABLED: 'false',
    });
    const res = await ctx.http(production).post('/api/v1/admin/session').set('Authorization', admin.auth).expect(201);
    expect(sessionCookieOf(res.headers['set-cookie']).attributes).toMatch(/; Secure/);

    const worker = await ctx.startApp({ MALTED_MODE: 'worker' });
    await ctx.http(worker).get('/admin/queues').set('Authorization', admin.auth).expect(404);
    await ctx.http(worker).get('/admin/sign-in').expect(404);
  });
});
