import mongoose from 'mongoose';
import request from 'supertest';
import { MainProcess, onTestServers } from '../harness/main-process';
import { eventually } from '../harness/servers';
import { linkIn, SmtpTestServer } from '../harness/smtp-test-server';
import { mongoUriFor, TestContext } from '../harness/test-app';

const UNSUBSCRIBE_SECRET = 'log-redaction-unsubscribe-secret-0123456789';

/**
 * Runs the real main process at LOG_LEVEL=trace through a flow that uses every kind of secret the service
 * handles (passwords, bearer tokens, the admin session cookie, the verification, reset and unsubscribe tokens
 * from the mail the SMTP server received, an invite code, the SMTP password and the unsubscribe key), then looks
 * for each of them in everything the process printed.
 */
describe('Log redaction', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let main: MainProcess;
  let http: () => ReturnType<typeof request>;
  const secrets = new Map<string, string>();
  const keep = (what: string, secret: string) => {
    expect(secret.length).toBeGreaterThan(7);
    secrets.set(what, secret);
    return secret;
  };

  beforeAll(async () => {
    await smtp.start();
    const { port, env } = await onTestServers(ctx);
    main = new MainProcess({
      ...env,
      STORAGE_LOCAL_DIR: ctx.filesDir,
      DATA_DIR: ctx.dataDir,
      LOG_LEVEL: 'trace',
      SMTP_URL: smtp.url,
      UNSUBSCRIBE_SECRET,
      RATE_LIMIT_PER_HOUR: '1000000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
      REGISTER_RATE_LIMIT_PER_HOUR: '1000000',
      MAIL_RATE_LIMIT_PER_HOUR: '1000000',
    });
    const base = `http://127.0.0.1:${port}`;
    http = () => request(base);
    const ready = await eventually(
      () =>
        http()
          .get('/health/ready')
          .then(
            (res) => res.status,
            () => 0,
          ),
      (status) => status === 200 || main.child.exitCode !== null,
      60_000,
    );
    expect(ready).toBe(200);
  }, 90_000);
  afterAll(async () => {
    main?.kill();
    await ctx.close();
    await smtp.stop();
  });

  const register = async (username: string, extra: Record<string, string> = {}) => {
    const password = keep(`${username}'s password`, `pw-${Math.random().toString(36).slice(2)}-${username}`);
    const res = await http()
      .post('/api/v1/auth/register')
      .send({ username, email: `${username}@example.com`, password, ...extra })
      .expect(201);
    keep(`${username}'s registration token`, res.body.token as string);
    return { username, password, auth: `Bearer ${res.body.token as string}` };
  };

  it('prints no secret of any kind, at trace level, through a flow that uses them all', async () => {
    keep('the SMTP password', new URL(smtp.url).password);
    keep('UNSUBSCRIBE_SECRET', UNSUBSCRIBE_SECRET);
    const suffix = Math.random().toString(36).slice(2, 7);
    const alice = await register(`alice${suffix}`);
    const bob = await register(`bob${suffix}`);

    // Verification, by the mailed link: the page (GET, token in the query), then the form post.
    const verification = keep(
      'the verification token',
      linkIn(await smtp.waitFor(`${alice.username}@example.com`), '/account/verify-email').token,
    );
    await http().get(`/account/verify-email?token=${verification}`).expect(200);
    await http().post('/account/verify-email').type('form').send({ token: verification }).expect(200);

    // A notification mail, and its unsubscribe link: the page, then RFC 8058's one-click post.
    await http().put(`/api/v1/shakes/${alice.username}/follow`).set('Authorization', bob.auth).expect(204);
    const notice = await smtp.waitFor(`${alice.username}@example.com`, 2);
    const unsubscribe = keep('the unsubscribe token', linkIn(notice, '/account/unsubscribe').token);
    keep('the unsubscribe signature', unsubscribe.split('.').pop()!);
    await http().get(`/account/unsubscribe?token=${unsubscribe}`).expect(200);
    await http().post(`/account/unsubscribe?token=${unsubscribe}`).type('form').send({ 'List-Unsubscribe': 'One-Click' }).expect(200);

    // A password reset, by the mailed link: the page, then the API, then signing in with the new password.
    await http()
      .post('/api/v1/auth/password-reset')
      .send({ email: `${alice.username}@example.com` })
      .expect(202);
    const reset = keep('the reset token', linkIn(await smtp.waitFor(`${alice.username}@example.com`, 3), '/account/reset-password').token);
    await http().get(`/account/reset-password?token=${reset}`).expect(200);
    const newPassword = keep("alice's new password", `new-${Math.random().toString(36).slice(2)}-password`);
    await http().post('/api/v1/auth/password-reset/confirm').send({ token: reset, password: newPassword }).expect(204);
    const login = await http().post('/api/v1/auth/login').send({ login: alice.username, password: newPassword }).expect(200);
    const aliceAuth = `Bearer ${keep("alice's login token", login.body.token as string)}`;
    await http().post('/api/v1/auth/login').send({ login: alice.username, password: alice.password }).expect(401);
    await http().get('/api/v1/me').set('Authorization', aliceAuth).expect(200);
    await http()
      .get('/api/v1/me')
      .set('Authorization', `Bearer mlt_${'x'.repeat(43)}`)
      .expect(401);
    const made = await http().post('/api/v1/me/tokens').set('Authorization', aliceAuth).send({ name: 'script' }).expect(201);
    keep('a made token', made.body.token as string);
    await http()
      .post('/api/v1/me/password')
      .set('Authorization', aliceAuth)
      .send({ currentPassword: newPassword, newPassword: keep("alice's third password", `third-${suffix}-password-x`) })
      .expect(204);

    // An admin: the session cookie of the queue dashboard, and an invite code used to register.
    const connection = await mongoose.createConnection(mongoUriFor(ctx.database)).asPromise();
    await connection.db!.collection('users').updateOne({ username: bob.username }, { $set: { role: 'admin' } });
    await connection.close();
    const session = await http().post('/api/v1/admin/session').set('Authorization', bob.auth).expect(201);
    const cookie = String(session.headers['set-cookie']).split(';')[0];
    keep('the admin session cookie', cookie.split('=')[1]);
    await http().get('/admin/queues/api/queues').set('Cookie', cookie).expect(200);
    const invite = await http().post('/api/v1/admin/invites').set('Authorization', bob.auth).send({}).expect(201);
    await register(`carol${suffix}`, { invite: keep('the invite code', invite.body.code as string) });

    // Every mail has gone out and every request has been logged.
    await smtp.waitFor(`${alice.username}@example.com`, 4);
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const printed = `${main.stdout}\n${main.stderr}`;
    expect(main.logLines().filter((line) => (line.req as { url?: string } | undefined)?.url !== undefined).length).toBeGreaterThanOrEqual(
      18,
    );
    expect(secrets.size).toBe(18);
    const leaked = [...secrets].filter(([, secret]) => printed.includes(secret)).map(([what]) => what);
    expect(leaked).toEqual([]);
    // The query strings are in the log, their secret values are not.
    expect(printed).toContain('/account/reset-password?token=[redacted]');
  });
});
