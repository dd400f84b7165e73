import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import mongoose from 'mongoose';
import { png, randomColor } from '../harness/images';
import { uploadAs } from '../harness/posts';
import { mongoUriFor, TestContext } from '../harness/test-app';

/** A small upload limit, so that "refused before it was all sent" is cheap to show. */
const UPLOAD_LIMIT = 256 * 1024;

interface Refusal {
  status: number;
  body: Record<string, unknown>;
  connection?: string;
  /** Bytes of the body written when the answer came. */
  sent: number;
  ms: number;
}

/**
 * Sends a request whose body never ends (a declared length far above any limit, or endless chunks), writing
 * `prefix` and then filler while the socket takes it, and returns the answer: a server that buffered, or read,
 * the whole body before answering would never answer.
 */
function endlessBody(port: number, head: string, prefix: Buffer, filler = 'a', timeoutMs = 15_000): Promise<Refusal> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const chunked = /transfer-encoding: chunked/i.test(head);
    const chunk = Buffer.from(filler.repeat(16 * 1024));
    let sent = 0;
    let answer = '';
    let writing = true;
    const frame = (data: Buffer) =>
      chunked ? Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data;
    const pump = () => {
      while (writing && sent < 64 * 1024 * 1024) {
        sent += chunk.length;
        if (!socket.write(frame(chunk))) return void socket.once('drain', pump);
      }
    };
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms after ${sent} bytes`));
    }, timeoutMs);
    socket.on('data', (data: Buffer) => {
      answer += data.toString('latin1');
      const end = answer.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(answer);
      if (end < 0 || !length || answer.length < end + 4 + Number(length[1])) return;
      writing = false;
      clearTimeout(timer);
      socket.destroy();
      resolve({
        status: Number(answer.split(' ')[1]),
        body: JSON.parse(answer.slice(end + 4)) as Record<string, unknown>,
        connection: /\r\nconnection: ([^\r]+)/i.exec(answer)?.[1],
        sent,
        ms: Date.now() - started,
      });
    });
    socket.on('error', () => undefined);
    socket.write(head + '\r\n');
    sent += prefix.length;
    socket.write(frame(prefix));
    pump();
  });
}

describe('Security review', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await ctx.startApp({ UPLOAD_MAX_BYTES: String(UPLOAD_LIMIT) });
    await app.listen(0, '127.0.0.1');
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

  describe('request-size limits on every body parser: 413 in the JSON shape, before the body is all sent', () => {
    const port = () => (app.getHttpServer().address() as AddressInfo).port;
    const huge = 1024 * 1024 * 1024;
    const expectRefused = (refusal: Refusal, limit: number) => {
      expect(refusal).toMatchObject({ status: 413, body: { statusCode: 413, error: 'Payload Too Large', message: expect.any(String) } });
      expect(refusal.body.requestId).toEqual(expect.any(String));
      // Answered long before the body could have been read: within a few limits' worth of bytes and seconds.
      expect(refusal.sent).toBeLessThan(limit + 32 * 1024 * 1024);
      expect(refusal.ms).toBeLessThan(10_000);
    };
    const request = (path: string, type: string, length?: number, extra = '') =>
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${type}\r\n` +
      (length === undefined ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${length}\r\n`) +
      extra;

    it.each([
      ['a declared length', huge],
      ['chunks without a length', undefined],
    ])('JSON (JSON_BODY_LIMIT, 100 kB), %s', async (_, length) => {
      const refusal = await endlessBody(port(), request('/api/v1/auth/login', 'application/json', length), Buffer.from('{"login":"'));
      expectRefused(refusal, 100 * 1024);
      expect(refusal.body.message).toBe('Request body is too large');
    });

    it.each([
      ['/account/reset-password', huge],
      ['/account/verify-email', undefined],
      ['/account/unsubscribe', huge],
    ])('urlencoded forms (10 kB): %s', async (path, length) => {
      const refusal = await endlessBody(port(), request(path, 'application/x-www-form-urlencoded', length), Buffer.from('token='));
      expectRefused(refusal, 10 * 1024);
    });

    describe('multipart uploads', () => {
      const boundary = 'malted-limit-test';
      const part = (name: string, extra = '') =>
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${extra}\r\n\r\n`);
      const upload = async (length: number | undefined, prefix: Buffer, filler?: string) => {
        const user = await ctx.newUser(app);
        const head = request('/api/v1/files', `multipart/form-data; boundary=${boundary}`, length, `Authorization: ${user.auth}\r\n`);
        return endlessBody(port(), head, prefix, filler);
      };

      it.each([
        ['a declared length', huge],
        ['chunks without a length', undefined],
      ])('a file over UPLOAD_MAX_BYTES, %s', async (_, length) => {
        const image = await png(8, 8, randomColor());
        const refusal = await upload(length, Buffer.concat([part('file', '; filename="a.png"\r\nContent-Type: image/png'), image]));
        expectRefused(refusal, UPLOAD_LIMIT);
        expect(refusal.connection).toBe('close');
      });

      it.each([
        ['a declared length', huge],
        ['chunks without a length', undefined],
      ])('a text field that never ends, %s', async (_, length) => {
        const refusal = await upload(length, part('description'));
        expectRefused(refusal, UPLOAD_LIMIT);
        expect(refusal.connection).toBe('close');
      });

      it('endless parts', async () => {
        const many = Buffer.concat(Array.from({ length: 20_000 }, () => part('x')));
        const refusal = await upload(huge, many, `\r\n--${boundary}\r\nContent-Disposition: form-data; name="y"\r\n\r\n`);
        expect(refusal.status).toBeGreaterThanOrEqual(400);
        expect(refusal.status).toBeLessThan(500);
        expect(refusal.body).toMatchObject({ statusCode: refusal.status });
      });
    });
  });
});
