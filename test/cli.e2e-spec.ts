import { runCli } from './harness/cli-process';
import { TestContext } from './harness/test-app';

describe('the operator CLI', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  const cli = (args: string[], stdin = '') => runCli(ctx, args, stdin);

  it('creates the first admin, who can then use admin routes', async () => {
    const created = await cli(['create-admin', 'rootadmin', 'root@example.com'], 'a strong admin password');
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toContain('created admin rootadmin');
    expect(created.stdout).not.toContain('a strong admin password');

    const app = await ctx.startApp();
    const login = await ctx
      .http(app)
      .post('/api/v1/auth/login')
      .send({ login: 'rootadmin', password: 'a strong admin password' })
      .expect(200);
    expect(login.body.user.role).toBe('admin');
    await ctx.http(app).get('/api/v1/admin/users').set('Authorization', `Bearer ${login.body.token}`).expect(200);
  });

  it('makes an existing user an admin, and refuses bad input with a clear message', async () => {
    const app = await ctx.startApp();
    const user = await ctx.newUser(app);
    await ctx.http(app).get('/api/v1/admin/users').set('Authorization', user.auth).expect(403);

    expect(await cli(['make-admin', user.username])).toMatchObject({ code: 0 });
    await ctx.http(app).get('/api/v1/admin/users').set('Authorization', user.auth).expect(200);

    const unknown = await cli(['make-admin', 'nobody-here']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No such user');
    const weak = await cli(['create-admin', 'weakadmin', 'weak@example.com'], 'qwertyuiop');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('password is too common');
    expect((await cli(['create-admin'])).code).toBe(64);
  });
});
