import type { NestExpressApplication } from '@nestjs/platform-express';
import { gzipSync } from 'node:zlib';
import { databaseFingerprint } from '../harness/db-snapshot';
import { uploadAs } from '../harness/posts';
import { rawRequest } from '../harness/raw-http';
import { TestContext, type TestUser } from '../harness/test-app';

async function send(app: NestExpressApplication, method: string, path: string, headers: Record<string, string>, body: Buffer | string) {
  const res = await rawRequest(app, method, path, headers, body);
  return { status: res.status, body: JSON.parse(res.text || '{}') as Record<string, unknown> };
}

const expectClientError = (res: { status: number; body: Record<string, unknown> }, status: number, message?: RegExp) => {
  expect(res.status).toBe(status);
  expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
  if (message) expect(JSON.stringify(res.body.message)).toMatch(message);
};

describe('Malformed requests that used to answer 500', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let user: TestUser;
  let fileKey: string;
  const json = (extra: Record<string, string> = {}) => ({ 'Content-Type': 'application/json', ...extra });

  beforeAll(async () => {
    app = await ctx.startApp();
    await app.listen(0, '127.0.0.1');
    user = await ctx.newUser(app);
    fileKey = (await uploadAs(app, user, { title: 'kept', description: 'kept too' })).key;
  });
  afterAll(() => ctx.close());

  describe('a body that does not decode as its Content-Encoding says', () => {
    const login = JSON.stringify({ login: 'nobody', password: 'not-the-password' });
    const gzipped = gzipSync(login);

    it.each([
      ['gzip', Buffer.from(login)],
      ['gzip', gzipped.subarray(0, gzipped.length - 8)],
      ['deflate', Buffer.from(login)],
      ['br', Buffer.from(login)],
    ])('Content-Encoding %s with a body that is not: 400', async (encoding, body) => {
      const res = await send(app, 'POST', '/api/v1/auth/login', json({ 'Content-Encoding': encoding }), body);
      expectClientError(res, 400, /does not decode as its Content-Encoding/);
    });

    it('an honest gzip body is read as usual', async () => {
      const res = await send(app, 'POST', '/api/v1/auth/login', json({ 'Content-Encoding': 'gzip' }), gzipped);
      expectClientError(res, 401, /Invalid login or password/);
    });

    it('an unknown encoding: 415', async () => {
      const res = await send(app, 'POST', '/api/v1/auth/login', json({ 'Content-Encoding': 'zstd-or-so' }), login);
      expectClientError(res, 415);
    });
  });

  describe('deep nesting (the validation pipe recursed until the stack overflowed)', () => {
    it.each([
      ['arrays', `{"login":${'['.repeat(5000)}${']'.repeat(5000)},"password":"x"}`],
      ['objects', `{"login":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)},"password":"x"}`],
    ])('nested %s a few thousand deep: 400', async (_kind, body) => {
      const res = await send(app, 'POST', '/api/v1/auth/login', json(), body);
      expectClientError(res, 400, /nests deeper than 32 levels/);
    });

    it('on a signed-in route too, before any handler runs', async () => {
      const res = await send(
        app,
        'PATCH',
        `/api/v1/files/${fileKey}`,
        json({ Authorization: user.auth }),
        `{"title":${'['.repeat(4000)}${']'.repeat(4000)}}`,
      );
      expectClientError(res, 400, /nests deeper/);
    });
  });

  describe('a lone surrogate (validator.js isEmail threw URIError)', () => {
    it.each([
      ['/api/v1/auth/register', '{"username":"surrogate1","email":"a\\ud800@example.com","password":"long-enough-password-1"}'],
      ['/api/v1/auth/password-reset', '{"email":"a\\udc00@example.com"}'],
      ['/api/v1/auth/login', '{"login":"\\ud83d","password":"long-enough-password-1"}'],
    ])('POST %s: 400', async (path, body) => {
      const res = await send(app, 'POST', path, json(), body);
      expectClientError(res, 400, /not valid Unicode/);
    });

    it('a surrogate pair (an emoji) is still text', async () => {
      const res = await send(
        app,
        'PATCH',
        `/api/v1/files/${fileKey}`,
        json({ Authorization: user.auth }),
        '{"altText":"a cat \\ud83d\\ude00"}',
      );
      expect(res.status).toBe(200);
      expect(res.body.altText).toBe('a cat 😀');
    });
  });

  describe('null where a value is optional', () => {
    it('a null cursor: 400, not a decoded "null"', async () => {
      const res = await send(app, 'POST', '/api/v1/notifications/read', json({ Authorization: user.auth }), '{"before":null}');
      expectClientError(res, 400, /before must be a string/);
    });

    it('a null description on a new shake: 400', async () => {
      const res = await send(
        app,
        'POST',
        '/api/v1/shakes',
        json({ Authorization: user.auth }),
        '{"name":"nullish","title":"t","description":null}',
      );
      expectClientError(res, 400, /description must be a string/);
    });

    it('PATCH with nulls is refused and stores nothing, so the documented schema holds', async () => {
      const before = await databaseFingerprint(ctx.database);
      const shake = await send(
        app,
        'PATCH',
        `/api/v1/shakes/${user.username}`,
        json({ Authorization: user.auth }),
        '{"title":null,"description":null}',
      );
      expectClientError(shake, 400, /title must be a string/);
      const file = await send(
        app,
        'PATCH',
        `/api/v1/files/${fileKey}`,
        json({ Authorization: user.auth }),
        '{"title":null,"description":null,"altText":null}',
      );
      expectClientError(file, 400, /title must be a string/);
      const save = await send(app, 'POST', `/api/v1/files/${fileKey}/save`, json({ Authorization: user.auth }), '{"shake":null}');
      expectClientError(save, 400, /shake must be a string/);
      expect(await databaseFingerprint(ctx.database)).toEqual(before);

      const shown = await ctx.http(app).get(`/api/v1/shakes/${user.username}`).expect(200);
      expect(typeof shown.body.title).toBe('string');
      const described = await ctx.http(app).get(`/api/v1/files/${fileKey}`).expect(200);
      expect(described.body).toMatchObject({ title: 'kept', description: 'kept too' });
    });

    it('leaving a field out still means "unchanged"', async () => {
      const res = await send(app, 'PATCH', `/api/v1/files/${fileKey}`, json({ Authorization: user.auth }), '{"altText":"only this"}');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ title: 'kept', altText: 'only this' });
    });
  });
});
