import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { uploadAs } from '../harness/posts';
import { mongoUriFor, TestContext } from '../harness/test-app';

describe('Security review', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await ctx.startApp();
  });
  afterAll(() => ctx.close());

  it('access tokens: mlt_ and 32 random bytes, stored only as their SHA-256', async () => {
    const user = await ctx.newUser(app);
    const extra = await ctx.http(app).post('/api/v1/me/tokens').set('Authorization', user.auth).send({ name: 'second' }).expect(201);
    const secrets = [user.token, String(extra.body.token ?? extra.body.secret)];
    const connection = await mongoose.createConnection(mongoUriFor(ctx.database)).asPromise();
    try {
      const stored = JSON.stringify(await connection.db!.collection('access_tokens').find({}).toArray());
      for (const secret of secrets) {
        expect(secret).toMatch(/^mlt_[A-Za-z0-9_-]{43}$/);
        expect(Buffer.from(secret.slice(4), 'base64url')).toHaveLength(32);
        expect(stored).not.toContain(secret);
        expect(stored).not.toContain(secret.slice(4));
        expect(stored).toContain(createHash('sha256').update(secret).digest('hex'));
      }
    } finally {
      await connection.close();
    }
  });

  describe('security headers', () => {
    const pageHeaders = (headers: Record<string, string>) => {
      expect(headers['x-content-type-options']).toBe('nosniff');
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['content-security-policy']).toMatch(/frame-ancestors 'self'|frame-ancestors 'none'/);
      expect(headers['content-security-policy']).toContain("object-src 'none'");
      expect(headers['x-powered-by']).toBeUndefined();
    };

    it('on the API', async () => {
      const res = await ctx.http(app).get('/api/v1/site').expect(200);
      pageHeaders(res.headers as Record<string, string>);
      const error = await ctx.http(app).get('/api/v1/no-such-route').expect(404);
      pageHeaders(error.headers as Record<string, string>);
    });

    it('on the pages mailed links open', async () => {
      const res = await ctx.http(app).get('/account/reset-password').expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      pageHeaders(res.headers as Record<string, string>);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    });

    it('on raw files: nosniff, the exact type and a sandbox that runs nothing', async () => {
      const user = await ctx.newUser(app);
      const { key } = await uploadAs(app, user);
      for (const path of [`/api/v1/files/${key}/raw`, `/r/${key}`]) {
        const res = await ctx.http(app).get(path).expect(200);
        expect(res.headers['content-type']).toBe('image/png');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toBe("default-src 'none'; img-src 'self'; sandbox");
        expect(res.headers['content-disposition']).toMatch(/^inline; filename="\w+\.png"$/);
      }
    });
  });
});
