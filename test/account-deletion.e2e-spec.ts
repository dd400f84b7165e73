import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import { User } from '../src/users/schemas/user.schema';
import { makeAdmin } from './harness/admins';
import { png, randomColor } from './harness/images';
import { TestContext, type TestUser } from './harness/test-app';

describe('account deletion request (DELETE /me)', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await ctx.startApp();
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const login = (user: TestUser) => http().post('/api/v1/auth/login').send({ login: user.username, password: user.password });
  const upload = async (user: TestUser) =>
    (
      await http()
        .post('/api/v1/files')
        .set('Authorization', user.auth)
        .attach('file', await png(10, 10, randomColor()), { filename: 'a.png', contentType: 'image/png' })
        .expect(201)
    ).body.key as string;

  it('refuses a wrong, missing or padded password with the JSON error shape and changes nothing', async () => {
    const alice = await ctx.newUser(app);
    const wrong = await http().delete('/api/v1/me').set('Authorization', alice.auth).send({ password: 'not-it' }).expect(403);
    expect(wrong.body).toMatchObject({ statusCode: 403, message: 'The password is wrong' });
    await http().delete('/api/v1/me').set('Authorization', alice.auth).send({}).expect(400);
    await http().delete('/api/v1/me').set('Authorization', alice.auth).send({ password: alice.password, now: true }).expect(400);
    await http().delete('/api/v1/me').send({ password: alice.password }).expect(401);
    await http().get('/api/v1/me').set('Authorization', alice.auth).expect(200);
    await http().get(`/api/v1/users/${alice.username}`).expect(200);
  });

  it('disables the account at once (tokens revoked, profile and posts gone), and signing in with the password cancels it', async () => {
    const alice = await ctx.newUser(app);
    const key = await upload(alice);
    await http().delete('/api/v1/me').set('Authorization', alice.auth).send({ password: alice.password }).expect(204);

    await http().get('/api/v1/me').set('Authorization', alice.auth).expect(401);
    await http().get(`/api/v1/users/${alice.username}`).expect(404);
    await http().get(`/api/v1/files/${key}`).expect(404);
    await http().post('/api/v1/auth/login').send({ login: alice.username, password: 'wrong' }).expect(401);

    const signedIn = await login(alice).expect(200);
    const token = `Bearer ${signedIn.body.token as string}`;
    await http().get('/api/v1/me').set('Authorization', token).expect(200);
    await http().get(`/api/v1/users/${alice.username}`).expect(200);
    await http().get(`/api/v1/files/${key}`).expect(200);
    // Cancelled for good: a second sign-in is an ordinary one.
    await login(alice).expect(200);
  });

  it('leaves an account an admin disabled disabled: signing in does not re-enable it', async () => {
    const admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    const alice = await ctx.newUser(app);
    await http().delete('/api/v1/me').set('Authorization', alice.auth).send({ password: alice.password }).expect(204);
    await http().patch(`/api/v1/admin/users/${alice.username}`).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
    await login(alice).expect(401);

    const bob = await ctx.newUser(app);
    await http().patch(`/api/v1/admin/users/${bob.username}`).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
    await login(bob).expect(401);
  });

  it('no longer cancels by signing in once the grace period is over', async () => {
    const alice = await ctx.newUser(app);
    await http().delete('/api/v1/me').set('Authorization', alice.auth).send({ password: alice.password }).expect(204);
    const users = app.get<Model<User>>(getModelToken(User.name));
    await users.updateOne({ username: alice.username }, { $set: { deletionRequestedAt: new Date(Date.now() - 7 * 86_400_000 - 60_000) } });
    await login(alice).expect(401);
  });
});
