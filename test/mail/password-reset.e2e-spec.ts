import { randomBytes } from 'node:crypto';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { EmailToken } from '../../src/auth/schemas/email-token.schema';
import { linkIn, SmtpTestServer } from '../harness/smtp-test-server';
import { TestContext, type TestUser } from '../harness/test-app';

const RESET_PAGE = '/account/reset-password';
const NEW_PASSWORD = 'a brand new secret 42';

describe('password reset', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let app: NestExpressApplication;
  let tokens: Model<EmailToken>;

  beforeAll(async () => {
    await smtp.start();
    app = await ctx.startApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://malted.test' });
    tokens = app.get(getModelToken('EmailToken'));
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  const http = () => ctx.http(app);
  const emailOf = (user: TestUser) => `${user.username}@example.com`;
  const requestReset = (email: string) => http().post('/api/v1/auth/password-reset').send({ email });
  /** The reset mail is the one after the verification mail every new account gets. */
  const resetToken = async (user: TestUser, nth = 2) => {
    const mail = await smtp.waitFor(emailOf(user), nth);
    expect(mail.parsed.subject).toBe('Reset your Malted password');
    return linkIn(mail, RESET_PAGE);
  };
  const login = (user: TestUser, password: string) => http().post('/api/v1/auth/login').send({ login: user.username, password });

  it('mails a link that sets a new password, signs out every token, and tells the address', async () => {
    const user = await ctx.newUser(app);
    const laptop = (await login(user, user.password).expect(200)).body.token as string;

    const res = await requestReset(` ${emailOf(user).toUpperCase()} `).expect(202);
    expect(res.body).toEqual({ message: 'If an account uses this address, a link to reset its password is on its way' });
    const { url, token } = await resetToken(user);
    expect(url.origin).toBe('https://malted.test');

    await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: NEW_PASSWORD }).expect(204);
    for (const secret of [user.token, laptop]) {
      await http().get('/api/v1/me').set('Authorization', `Bearer ${secret}`).expect(401);
    }
    await login(user, user.password).expect(401);
    const session = await login(user, NEW_PASSWORD).expect(200);
    expect(session.body.user.emailVerified).toBe(true); // the reset link proved the address

    const notice = await smtp.waitFor(emailOf(user), 3);
    expect(notice.parsed.subject).toBe('Your Malted password was changed');
    expect(notice.parsed.text).toMatch(/reset with a link mailed to this address/);
  });

  it('answers an unknown address exactly as a known one, and mails nobody', async () => {
    const user = await ctx.newUser(app);
    const known = await requestReset(emailOf(user));
    const unknownAddress = `nobody-${randomBytes(4).toString('hex')}@example.com`;
    const unknown = await requestReset(unknownAddress);
    expect(unknown.status).toBe(known.status);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(known.headers).sort());

    await resetToken(user);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(unknownAddress)).toHaveLength(0);
    // The same work was done: a token was stored for the unknown address too, belonging to no account.
    expect(await tokens.findOne({ email: unknownAddress }).lean()).toMatchObject({ userId: null, purpose: 'password-reset' });
  });

  it('refuses a used, an expired and a wrong token, and keeps the password', async () => {
    const user = await ctx.newUser(app);
    await requestReset(emailOf(user)).expect(202);
    const { token } = await resetToken(user);
    await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: NEW_PASSWORD }).expect(204);
    const reused = await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'yet another secret 7' }).expect(400);
    expect(reused.body.message).toBe('This link is not valid or was already used');

    const wrong = await http()
      .post('/api/v1/auth/password-reset/confirm')
      .send({ token: `mle_${randomBytes(32).toString('base64url')}`, password: 'yet another secret 7' })
      .expect(400);
    expect(wrong.body.message).toBe('This link is not valid or was already used');

    await requestReset(emailOf(user)).expect(202);
    const later = (await resetToken(user, 4)).token;
    await tokens.updateMany({ userId: { $ne: null }, purpose: 'password-reset' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await http()
      .post('/api/v1/auth/password-reset/confirm')
      .send({ token: later, password: 'yet another secret 7' })
      .expect(400);
    expect(expired.body.message).toBe('This link has expired: ask for a new one');
    await login(user, NEW_PASSWORD).expect(200);
  });

  it('holds the new password to the registration rules, leaving the link usable', async () => {
    const user = await ctx.newUser(app);
    await requestReset(emailOf(user)).expect(202);
    const { token } = await resetToken(user);
    const common = await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'password123' }).expect(400);
    expect(JSON.stringify(common.body.message)).toMatch(/too common/);
    await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'short' }).expect(400);
    await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: NEW_PASSWORD, extra: true }).expect(400);
    await http().post('/api/v1/auth/password-reset').send({ email: 'not an address' }).expect(400);
    await http().post('/api/v1/auth/password-reset/confirm').send({ token, password: NEW_PASSWORD }).expect(204);
  });

  it('opens a page from the mailed link whose form sets the password, explaining a refused one', async () => {
    const user = await ctx.newUser(app);
    await requestReset(emailOf(user)).expect(202);
    const { url, token } = await resetToken(user);
    const page = await http().get(`${url.pathname}${url.search}`).expect(200);
    expect(page.text).toContain(`<input type="hidden" name="token" value="${token}">`);
    expect(page.text).toContain('name="password"');

    const weak = await http().post(RESET_PAGE).type('form').send({ token, password: 'password123' }).expect(400);
    expect(weak.text).toMatch(/password is too common/);
    expect(weak.text).toContain(`value="${token}"`);
    const done = await http().post(RESET_PAGE).type('form').send({ token, password: NEW_PASSWORD }).expect(200);
    expect(done.text).toContain('Your new password is set');
    await http().get('/api/v1/me').set('Authorization', user.auth).expect(401);
    await login(user, NEW_PASSWORD).expect(200);
  });

  it('makes only the newest reset link work, and never lets a verification link reset', async () => {
    const user = await ctx.newUser(app);
    const verification = linkIn(await smtp.waitFor(emailOf(user)), '/account/verify-email').token;
    await http().post('/api/v1/auth/password-reset/confirm').send({ token: verification, password: NEW_PASSWORD }).expect(400);
    await requestReset(emailOf(user)).expect(202);
    const first = (await resetToken(user)).token;
    await requestReset(emailOf(user)).expect(202);
    const second = (await resetToken(user, 3)).token;
    await http().post('/api/v1/auth/password-reset/confirm').send({ token: first, password: NEW_PASSWORD }).expect(400);
    await http().post('/api/v1/auth/password-reset/confirm').send({ token: second, password: NEW_PASSWORD }).expect(204);
  });
});

describe('changing the password and the address while signed in', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let app: NestExpressApplication;

  beforeAll(async () => {
    await smtp.start();
    app = await ctx.startApp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  const http = () => ctx.http(app);

  it('changes the password with the current one, signs out the other tokens, and tells the address', async () => {
    const user = await ctx.newUser(app);
    const other = (await http().post('/api/v1/auth/login').send({ login: user.username, password: user.password }).expect(200)).body.token;

    const wrong = await http()
      .post('/api/v1/me/password')
      .set('Authorization', user.auth)
      .send({ currentPassword: 'not my password', newPassword: NEW_PASSWORD })
      .expect(403);
    expect(wrong.body.message).toBe('The current password is wrong');
    await http()
      .post('/api/v1/me/password')
      .set('Authorization', user.auth)
      .send({ currentPassword: user.password, newPassword: 'password123' })
      .expect(400);

    await http()
      .post('/api/v1/me/password')
      .set('Authorization', user.auth)
      .send({ currentPassword: user.password, newPassword: NEW_PASSWORD })
      .expect(204);
    await http().get('/api/v1/me').set('Authorization', user.auth).expect(200);
    await http().get('/api/v1/me').set('Authorization', `Bearer ${other}`).expect(401);
    await http().post('/api/v1/auth/login').send({ login: user.username, password: NEW_PASSWORD }).expect(200);
    const notice = await smtp.waitFor(`${user.username}@example.com`, 2);
    expect(notice.parsed.subject).toBe('Your Malted password was changed');
  });

  it('changes the address only once the new one is verified through its mail, then tells the old one', async () => {
    const user = await ctx.newUser(app);
    const oldAddress = `${user.username}@example.com`;
    const newAddress = `new-${user.username}@example.org`;
    const other = await ctx.newUser(app);

    await http()
      .post('/api/v1/me/email')
      .set('Authorization', user.auth)
      .send({ password: 'wrong password', email: newAddress })
      .expect(403);
    const taken = await http()
      .post('/api/v1/me/email')
      .set('Authorization', user.auth)
      .send({ password: user.password, email: `${other.username}@example.com` })
      .expect(409);
    expect(taken.body.message).toBe('That email is already registered');

    const res = await http()
      .post('/api/v1/me/email')
      .set('Authorization', user.auth)
      .send({ password: user.password, email: newAddress })
      .expect(202);
    expect(res.body.pendingEmail).toBe(newAddress);
    expect((await http().get('/api/v1/me').set('Authorization', user.auth)).body.email).toBe(oldAddress);

    const mail = await smtp.waitFor(newAddress);
    expect(mail.parsed.text).toMatch(/It takes effect once you confirm it/);
    const { token } = linkIn(mail, '/account/verify-email');
    const verified = await http().post('/api/v1/auth/verify-email').send({ token }).expect(200);
    expect(verified.body).toEqual({ email: newAddress });

    const me = (await http().get('/api/v1/me').set('Authorization', user.auth).expect(200)).body;
    expect(me).toMatchObject({ email: newAddress, emailVerified: true });
    await http().post('/api/v1/auth/login').send({ login: newAddress, password: user.password }).expect(200);
    await http().post('/api/v1/auth/login').send({ login: oldAddress, password: user.password }).expect(401);

    // The old address got the welcome mail, then the notice of the change.
    const notice = await smtp.waitFor(oldAddress, 2);
    expect(notice.parsed.subject).toBe('The email address of your Malted account was changed');
    expect(notice.parsed.text).toContain(newAddress);
    await http().post('/api/v1/auth/verify-email').send({ token }).expect(400);
  });
});
