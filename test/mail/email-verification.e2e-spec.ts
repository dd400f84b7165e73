import { createHash, randomBytes } from 'node:crypto';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { EmailToken } from '../../src/auth/schemas/email-token.schema';
import type { User } from '../../src/users/schemas/user.schema';
import { png } from '../harness/images';
import { linkIn, SmtpTestServer } from '../harness/smtp-test-server';
import { TestContext } from '../harness/test-app';

const PUBLIC_URL = 'https://malted.test';
const VERIFY_PAGE = '/account/verify-email';

describe('email verification', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let app: NestExpressApplication;
  let tokens: Model<EmailToken>;
  let users: Model<User>;

  beforeAll(async () => {
    await smtp.start();
    app = await ctx.startApp({
      SMTP_URL: smtp.url,
      PUBLIC_URL,
      MAIL_FROM: 'Malted Test <hello@malted.test>',
      // '' is as good as unset: the production default, not the harness's "none".
      EMAIL_VERIFICATION_REQUIRED_FOR: '',
    });
    tokens = app.get(getModelToken('EmailToken'));
    users = app.get(getModelToken('User'));
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  const http = () => ctx.http(app);
  const emailOf = (username: string) => `${username}@example.com`;
  const upload = async (auth: string) =>
    http()
      .post('/api/v1/files')
      .set('Authorization', auth)
      .attach('file', await png(), { filename: 'a.png', contentType: 'image/png' });

  it('mails a new account a link; unverified it signs in and browses but may not upload; the link verifies it', async () => {
    const user = await ctx.newUser(app);
    const mail = await smtp.waitFor(emailOf(user.username));
    expect(mail.parsed.subject).toBe('Verify your email address for Malted');
    expect(mail.parsed.from?.value[0]).toEqual({ address: 'hello@malted.test', name: 'Malted Test' });
    expect(mail.parsed.messageId).toMatch(/^<verify-email\.[0-9a-f]{24}@malted\.test>$/);
    const { url, token } = linkIn(mail, VERIFY_PAGE);
    expect(url.origin).toBe(PUBLIC_URL);
    expect(token).toMatch(/^mle_[A-Za-z0-9_-]{43}$/);
    expect(mail.parsed.html).toContain(`href="${url.toString()}"`);
    expect(mail.parsed.text).toContain(`Hello ${user.username},`);

    const me = await http().get('/api/v1/me').set('Authorization', user.auth).expect(200);
    expect(me.body.emailVerified).toBe(false);
    await http().post('/api/v1/auth/login').send({ login: user.username, password: user.password }).expect(200);
    await http().get('/api/v1/incoming').set('Authorization', user.auth).expect(200);

    const refused = await upload(user.auth);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^Verify your email address before you upload: .*POST \/api\/v1\/auth\/verify-email\/resend/);

    const verified = await http().post('/api/v1/auth/verify-email').send({ token }).expect(200);
    expect(verified.body).toEqual({ email: emailOf(user.username) });
    expect((await http().get('/api/v1/me').set('Authorization', user.auth).expect(200)).body.emailVerified).toBe(true);
    expect((await upload(user.auth)).status).toBe(201);
  });

  it('stores only a hash of the token, and the token works once', async () => {
    const user = await ctx.newUser(app);
    const { token } = linkIn(await smtp.waitFor(emailOf(user.username)), VERIFY_PAGE);
    const stored = await tokens.find({ email: emailOf(user.username) }).lean();
    expect(stored).toHaveLength(1);
    expect(stored[0].tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);

    await http().post('/api/v1/auth/verify-email').send({ token }).expect(200);
    const again = await http().post('/api/v1/auth/verify-email').send({ token }).expect(400);
    expect(again.body.message).toBe('This link is not valid or was already used');
  });

  it('refuses a wrong token and an expired one, and unknown fields', async () => {
    const wrong = await http()
      .post('/api/v1/auth/verify-email')
      .send({ token: `mle_${randomBytes(32).toString('base64url')}` })
      .expect(400);
    expect(wrong.body.message).toBe('This link is not valid or was already used');
    await http().post('/api/v1/auth/verify-email').send({ token: 'x', extra: 1 }).expect(400);
    await http().post('/api/v1/auth/verify-email').send({}).expect(400);

    const user = await ctx.newUser(app);
    const { token } = linkIn(await smtp.waitFor(emailOf(user.username)), VERIFY_PAGE);
    await tokens.updateOne({ email: emailOf(user.username) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await http().post('/api/v1/auth/verify-email').send({ token }).expect(400);
    expect(expired.body.message).toBe('This link has expired: ask for a new one');
    expect((await users.findOne({ usernameLower: user.username }).lean())!.emailVerified).toBe(false);
  });

  it('resends on request: only the newest link works; a verified account is told it is verified', async () => {
    const user = await ctx.newUser(app);
    const first = linkIn(await smtp.waitFor(emailOf(user.username)), VERIFY_PAGE).token;
    const res = await http().post('/api/v1/auth/verify-email/resend').set('Authorization', user.auth).expect(202);
    expect(res.body).toEqual({ message: 'A new verification link is on its way' });
    const second = linkIn(await smtp.waitFor(emailOf(user.username), 2), VERIFY_PAGE).token;
    expect(second).not.toBe(first);

    await http().post('/api/v1/auth/verify-email').send({ token: first }).expect(400);
    await http().post('/api/v1/auth/verify-email').send({ token: second }).expect(200);
    const done = await http().post('/api/v1/auth/verify-email/resend').set('Authorization', user.auth).expect(409);
    expect(done.body.message).toBe('Your email address is already verified');
    await http().post('/api/v1/auth/verify-email/resend').expect(401);
  });

  it('opens a page from the mailed link whose form (not the opening) verifies the address', async () => {
    const user = await ctx.newUser(app);
    const { url, token } = linkIn(await smtp.waitFor(emailOf(user.username)), VERIFY_PAGE);
    const page = await http().get(`${url.pathname}${url.search}`).expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain(`<form method="post" action="${VERIFY_PAGE}"><input type="hidden" name="token" value="${token}">`);
    expect((await http().get('/api/v1/me').set('Authorization', user.auth)).body.emailVerified).toBe(false);

    const done = await http().post(VERIFY_PAGE).type('form').send({ token }).expect(200);
    expect(done.text).toContain(`${emailOf(user.username)} is verified`);
    expect((await http().get('/api/v1/me').set('Authorization', user.auth)).body.emailVerified).toBe(true);
    const again = await http().post(VERIFY_PAGE).type('form').send({ token }).expect(400);
    expect(again.text).toContain('This link is not valid or was already used');
    const escaped = await http()
      .get(`${VERIFY_PAGE}?token=${encodeURIComponent('"><script>x</script>')}`)
      .expect(200);
    expect(escaped.text).not.toContain('<script>');
  });

  it('treats accounts from before verification existed (no such field) as verified', async () => {
    const user = await ctx.newUser(app);
    await users.updateOne({ usernameLower: user.username }, { $unset: { emailVerified: 1 } });
    expect((await http().get('/api/v1/me').set('Authorization', user.auth).expect(200)).body.emailVerified).toBe(true);
    expect((await upload(user.auth)).status).toBe(201);
  });
});

describe('email verification limits and settings', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();

  beforeAll(() => smtp.start());
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  it('lets an operator choose what unverified accounts may not do', async () => {
    const app = await ctx.startApp({ SMTP_URL: smtp.url, EMAIL_VERIFICATION_REQUIRED_FOR: 'create-shake,comment' });
    const user = await ctx.newUser(app);
    const shake = await ctx
      .http(app)
      .post('/api/v1/shakes')
      .set('Authorization', user.auth)
      .send({ name: `g${randomBytes(4).toString('hex')}`, title: 'G' });
    expect(shake.status).toBe(403);
    expect(shake.body.message).toMatch(/^Verify your email address before you create shakes/);
    const uploaded = await ctx
      .http(app)
      .post('/api/v1/files')
      .set('Authorization', user.auth)
      .attach('file', await png(), { filename: 'a.png', contentType: 'image/png' });
    expect(uploaded.status).toBe(201);
    await ctx.closeApp(app);
  });

  it('with verification off, mails nothing and restricts nothing', async () => {
    const app = await ctx.startApp({ SMTP_URL: smtp.url, EMAIL_VERIFICATION_ENABLED: 'false', EMAIL_VERIFICATION_REQUIRED_FOR: 'upload' });
    const user = await ctx.newUser(app);
    const uploaded = await ctx
      .http(app)
      .post('/api/v1/files')
      .set('Authorization', user.auth)
      .attach('file', await png(), { filename: 'a.png', contentType: 'image/png' });
    expect(uploaded.status).toBe(201);
    await ctx.http(app).post('/api/v1/auth/verify-email/resend').set('Authorization', user.auth).expect(404);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(`${user.username}@example.com`)).toHaveLength(0);
    await ctx.closeApp(app);
  });

  it('rate-limits resends per client address', async () => {
    // Its own Redis prefix: the limit counts per address, and every request of this file comes from 127.0.0.1.
    const own = new TestContext(__filename);
    try {
      const app = await own.startApp({ SMTP_URL: smtp.url, MAIL_RATE_LIMIT_PER_HOUR: '2' });
      const user = await own.newUser(app);
      const resend = () => own.http(app).post('/api/v1/auth/verify-email/resend').set('Authorization', user.auth);
      expect((await resend().expect(202)).headers['x-ratelimit-limit-mail']).toBe('2');
      await resend().expect(202);
      const limited = await resend().expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await own.close();
    }
  });
});
