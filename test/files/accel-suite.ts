import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import { Environment } from '../../src/config/environment';
import type { SourceFile } from '../../src/files/schemas/source-file.schema';
import { STORAGE_DRIVER, type StorageDriver } from '../../src/files/storage/storage-driver';
import { ViewsCounter } from '../../src/files/views.counter';
import { listeningPort } from '../harness/aborted-upload';
import { NGINX_TEMPLATE, startNginx, type RunningNginx } from '../harness/nginx';
import { eventually } from '../harness/servers';
import { startStorageBackend, type StorageBackend } from '../harness/storage-backends';
import { TestContext, type TestUser } from '../harness/test-app';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** proxy_cache_valid of the shipped configuration's media micro-cache, and the app's default bound. */
const MICRO_CACHE_SECONDS = Number(/proxy_cache_valid any (\d+)s;/.exec(readFileSync(NGINX_TEMPLATE, 'utf8'))![1]);
const MEDIA_CACHE_MAX_LAG_MS = new Environment().MEDIA_CACHE_MAX_LAG_MS;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A plain HTTP request to nginx, the body as bytes (no client-side decoding, no redirects followed). */
function fetchFrom(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A noisy PNG of about `width * height * 3` bytes: big enough for ranges to matter, never deduplicated. */
function noisyPng(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 60 } } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

function multipart(fields: Record<string, string>, file: Buffer, contentType = 'image/png'): { body: Buffer; type: string } {
  const boundary = `malted-accel-${Date.now()}`;
  const parts = Object.entries(fields).map(
    ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
  );
  const head = `${parts.join('')}--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: ${contentType}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * FILE_SERVING=accel behind a real nginx running the shipped configuration (deploy/nginx/malted.conf.template):
 * nginx sends the bytes from the store, the app's answer decides everything else.
 */
export function describeAccelSuite(kind: 'local' | 's3', testFile: string): void {
  describe(`nginx X-Accel-Redirect (${kind} storage)`, () => accelSuite(kind, testFile));
}

function accelSuite(kind: 'local' | 's3', testFile: string): void {
  const ctx = new TestContext(testFile);
  let backend: StorageBackend;
  let api: NestExpressApplication;
  let nginx: RunningNginx;
  let alice: TestUser;
  let bob: TestUser;
  let image: Buffer;
  let key: string;

  beforeAll(async () => {
    backend = await startStorageBackend(kind, ctx.database);
    // Views stay in memory for the whole suite, where a test counts them.
    const env = { ...backend.env, FILE_SERVING: 'accel', TRUST_PROXY_HOPS: '1', VIEWS_FLUSH_INTERVAL_MS: '60000' };
    api = await ctx.startApp({ MALTED_MODE: 'api', ...env });
    await ctx.startApp({ MALTED_MODE: 'worker', ...env }); // makes the thumbnails
    nginx = await startNginx({
      app: `127.0.0.1:${await listeningPort(api.getHttpServer())}`,
      storageLocalDir: backend.env.STORAGE_LOCAL_DIR,
      s3Endpoint: backend.env.S3_ENDPOINT,
    });
    alice = await ctx.newUser(api);
    bob = await ctx.newUser(api);
    image = await noisyPng(300, 200);
    key = (await upload(alice, image)).key;
  });
  afterAll(async () => {
    await nginx?.stop();
    await ctx.close();
    await backend?.stop();
  });

  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetchFrom(nginx.port, path, { method, headers });
  const raw = (headers: Record<string, string> = {}, method = 'GET') => get(`/api/v1/files/${key}/raw`, headers, method);
  /** Uploads through nginx, as clients do. */
  async function upload(user: TestUser, file: Buffer): Promise<{ key: string }> {
    const { body, type } = multipart({ title: 'through nginx' }, file);
    const res = await fetchFrom(nginx.port, '/api/v1/files', {
      method: 'POST',
      headers: { Authorization: user.auth, 'Content-Type': type, 'Content-Length': String(body.length) },
      body,
    });
    if (res.status !== 201) throw new Error(`upload through nginx: ${res.status} ${res.body.toString()}`);
    return JSON.parse(res.body.toString());
  }

  /** What the app says about every raw file and thumbnail, whoever sends the bytes. */
  function expectAppHeaders(res: Answer, contentType: string, etag: string, filename: string): void {
    expect(res.headers).toMatchObject({
      'content-type': contentType,
      etag,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; img-src 'self'; sandbox",
      'content-disposition': `inline; filename="${filename}"`,
      'cross-origin-resource-policy': 'cross-origin', // embeddable on other sites
      'x-request-id': expect.any(String),
    });
    for (const name of ['etag', 'cache-control', 'content-type', 'content-security-policy', 'content-disposition']) {
      expect(typeof res.headers[name]).toBe('string'); // present once, not twice
    }
    // Nothing of the hand-over or of the store reaches the client.
    const leaked = Object.keys(res.headers).filter((name) => /^x-accel|^x-malted|^x-amz|^last-modified$|^vary$/.test(name));
    expect(leaked).toEqual([]);
    expect(res.headers['x-xss-protection'] ?? '0').toBe('0'); // helmet's, when the app answered itself
    expect(res.headers.server).toBe('nginx');
  }

  it('serves the uploaded bytes, identical, with the app headers', async () => {
    const res = await raw();
    expect(res.status).toBe(200);
    expect(sha256(res.body)).toBe(sha256(image));
    expect(res.headers['content-length']).toBe(String(image.length));
    expect(res.headers['accept-ranges']).toBe('bytes');
    expectAppHeaders(res, 'image/png', `"${sha256(image)}"`, `${key}.png`);
  });

  it('serves a client that sends its own token (it never reaches the store)', async () => {
    const res = await raw({ Authorization: alice.auth, Cookie: 'session=x' });
    expect(res.status).toBe(200);
    expect(res.body.equals(image)).toBe(true);
  });

  it('answers 304 to If-None-Match with the ETag, and 200 to another', async () => {
    const etag = `"${sha256(image)}"`;
    const notModified = await raw({ 'If-None-Match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    expect(notModified.headers).toMatchObject({ etag, 'cache-control': 'public, max-age=31536000, immutable' });
    const other = await raw({ 'If-None-Match': '"something-else"' });
    expect(other.status).toBe(200);
    expect(other.body.equals(image)).toBe(true);
  });

  it('answers one Range with 206 and exactly those bytes', async () => {
    const res = await raw({ Range: 'bytes=100-4099' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 100-4099/${image.length}`);
    expect(res.headers['content-length']).toBe('4000');
    expect(res.body.equals(image.subarray(100, 4100))).toBe(true);
    expectAppHeaders(res, 'image/png', `"${sha256(image)}"`, `${key}.png`);

    const suffix = await raw({ Range: 'bytes=-50' });
    expect(suffix.status).toBe(206);
    expect(suffix.body.equals(image.subarray(image.length - 50))).toBe(true);
    const open = await raw({ Range: `bytes=${image.length - 10}-` });
    expect(open.status).toBe(206);
    expect(open.body.equals(image.subarray(image.length - 10))).toBe(true);
  });

  it('honours If-Range: the range while the ETag matches, the whole file otherwise', async () => {
    const matching = await raw({ Range: 'bytes=0-9', 'If-Range': `"${sha256(image)}"` });
    expect(matching.status).toBe(206);
    expect(matching.body.equals(image.subarray(0, 10))).toBe(true);
    const stale = await raw({ Range: 'bytes=0-9', 'If-Range': '"an-older-version"' });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(image)).toBe(true);
  });

  it('answers several ranges with the whole file, as the app does', async () => {
    const res = await raw({ Range: 'bytes=0-9,20-29' });
    expect(res.status).toBe(200);
    expect(res.body.equals(image)).toBe(true);
  });

  it('answers an unsatisfiable Range with 416 and the size', async () => {
    const res = await raw({ Range: `bytes=${image.length}-` });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe(`bytes */${image.length}`);
  });

  it('answers HEAD with the headers of the GET and no body', async () => {
    const res = await raw({}, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
    expect(res.headers['content-length']).toBe(String(image.length));
    expectAppHeaders(res, 'image/png', `"${sha256(image)}"`, `${key}.png`);
    const ranged = await raw({ Range: 'bytes=0-9' }, 'HEAD');
    expect(ranged.status).toBe(206);
    expect(ranged.headers['content-range']).toBe(`bytes 0-9/${image.length}`);
  });

  it('serves the thumbnail the same way', async () => {
    const first = await eventually(
      () => get(`/api/v1/files/${key}/thumbnail`),
      (res) => res.status === 200,
      20_000,
    );
    expect(first.status).toBe(200);
    expectAppHeaders(first, 'image/webp', `"${sha256(image)}-thumbnail"`, `${key}-thumbnail.webp`);
    expect(first.headers['content-length']).toBe(String(first.body.length));
    const meta = await sharp(first.body).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width!, meta.height!)).toBe(200);
    const again = await get(`/api/v1/files/${key}/thumbnail`, { 'If-None-Match': first.headers.etag as string });
    expect(again.status).toBe(304);
    const part = await get(`/api/v1/files/${key}/thumbnail`, { Range: 'bytes=0-99' });
    expect(part.status).toBe(206);
    expect(part.body.equals(first.body.subarray(0, 100))).toBe(true);
  });

  it('never lets a client into the internal location, not even with a redirect the app made', async () => {
    const handOver = await ctx.http(api).get(`/api/v1/files/${key}/raw`).expect(200);
    const internal = handOver.headers['x-accel-redirect'] as string;
    expect(internal).toMatch(kind === 'local' ? /^\/_storage\/src-/ : /^\/_s3\/.+\/src-.+\?.*X-Amz-Signature=/);
    for (const path of [internal, internal.replace(/\?.*$/, ''), kind === 'local' ? '/_storage/' : '/_s3/']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.body.includes(image.subarray(0, 64))).toBe(false);
    }
    // A client's own X-Accel-Redirect is only a request header.
    const forged = await get('/api/v1/health/nothing', { 'X-Accel-Redirect': internal });
    expect(forged.body.includes(image.subarray(0, 64))).toBe(false);
  });

  /** How long a deleted file may still be served through nginx: the app's bound plus the micro-cache's second. */
  const DELETION_BOUND_MS = MEDIA_CACHE_MAX_LAG_MS + MICRO_CACHE_SECONDS * 1000;

  it('stops serving a deleted file within the bound, from its micro-cache too', async () => {
    const doomed = await noisyPng(20, 20);
    const post = await upload(bob, doomed);
    const paths = [`/api/v1/files/${post.key}/raw`, `/r/${post.key}`, `/api/v1/files/${post.key}/thumbnail`];
    await eventually(
      () => get(paths[2]),
      (res) => res.status === 200,
      20_000,
    );
    for (const path of paths) expect((await get(path)).status).toBe(200); // now in the micro-cache
    await ctx.http(api).delete(`/api/v1/files/${post.key}`).set('Authorization', bob.auth).expect(204);
    const deleted = Date.now();
    // The file's JSON is never micro-cached: gone at once.
    expect((await get(`/api/v1/files/${post.key}`)).status).toBe(404);
    for (const path of paths) {
      const gone = await eventually(
        () => get(path),
        (res) => res.status === 404,
        DELETION_BOUND_MS + 5_000,
      );
      expect(JSON.parse(gone.body.toString())).toMatchObject({ statusCode: 404 });
    }
    // Generous for a loaded machine: the stated bound is MEDIA_CACHE_MAX_LAG_MS + 1 s (and this is the deleting process).
    expect(Date.now() - deleted).toBeLessThan(DELETION_BOUND_MS + 2_000);
  });

  it('never serves a deleted file past the bound to clients asking at once (whose requests meet a refresh)', async () => {
    const post = await upload(bob, await noisyPng(24, 24));
    const path = `/r/${post.key}`;
    expect((await get(path)).status).toBe(200);
    await ctx.http(api).delete(`/api/v1/files/${post.key}`).set('Authorization', bob.auth).expect(204);
    const bound = Date.now() + MICRO_CACHE_SECONDS * 1000 + 1_000; // the deleting process: nginx's second, and a margin
    const late: number[] = [];
    let asked = 0;
    await Promise.all(
      [0, 1, 2, 3].map(async () => {
        while (Date.now() < bound + 2_000) {
          const sent = Date.now();
          const res = await get(path);
          asked++;
          if (sent > bound && res.status !== 404) late.push(res.status);
        }
      }),
    );
    expect(asked).toBeGreaterThan(8);
    expect(late).toEqual([]);
  });

  it('answers repeated anonymous GETs from its micro-cache, and every GET with a token from the app', async () => {
    const post = await upload(bob, await noisyPng(22, 22));
    const path = `/api/v1/files/${post.key}/raw`;
    const views = api.get(ViewsCounter);
    await views.flush();
    const started = Date.now();
    for (let i = 0; i < 20; i++) expect((await get(path)).status).toBe(200);
    const seconds = (Date.now() - started) / 1000;
    const anonymous = views.unflushed;
    // Only the refreshes reach the app (and count a view): at most one per second, where every GET would be 20.
    expect(anonymous).toBeGreaterThanOrEqual(1);
    expect(anonymous).toBeLessThanOrEqual(Math.ceil(seconds / MICRO_CACHE_SECONDS) + 1);
    // A request with Authorization always reaches the app: another user's counts, the owner's does not.
    for (let i = 0; i < 5; i++) expect((await get(path, { Authorization: alice.auth })).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(path, { Authorization: bob.auth })).status).toBe(200);
    expect(views.unflushed - anonymous).toBe(5);
  });

  it('never stores an answer made for a request with a token', async () => {
    const post = await upload(bob, await noisyPng(23, 23));
    const path = `/api/v1/files/${post.key}/raw`;
    // Nothing anonymous asked for it yet: were this answer stored, the anonymous GET below would get it.
    expect((await get(path, { Authorization: alice.auth })).status).toBe(200);
    await ctx.http(api).delete(`/api/v1/files/${post.key}`).set('Authorization', bob.auth).expect(204);
    expect((await get(path)).status).toBe(404);
  });

  it('answers its own 404 when the bytes left the store meanwhile, naming nothing of the store', async () => {
    const vanishing = await noisyPng(21, 21);
    const post = await upload(bob, vanishing);
    expect((await get(`/api/v1/files/${post.key}/raw`)).status).toBe(200);
    const source = await api
      .get<Model<SourceFile>>(getModelToken('SourceFile'))
      .findOne({ sha256: sha256(vanishing) })
      .lean();
    await api.get<StorageDriver>(STORAGE_DRIVER).delete(source!.storageKey);
    // The micro-cache may hold the bytes for its second.
    const res = await eventually(
      () => get(`/api/v1/files/${post.key}/raw`),
      (answer) => answer.status !== 200,
      MICRO_CACHE_SECONDS * 1000 + 5_000,
    );
    expect(res.status).toBe(404);
    const text = res.body.toString();
    expect(text).not.toContain(source!.storageKey);
    expect(text).not.toMatch(/NoSuchKey|<Error>|malted-/);
    expect(Object.keys(res.headers).filter((name) => name.startsWith('x-amz'))).toEqual([]);
  });

  it('lets the app, not nginx, refuse an upload over UPLOAD_MAX_BYTES', async () => {
    const { body, type } = multipart({}, Buffer.concat([image, Buffer.alloc(31457280 + 1024 - image.length)]));
    const res = await fetchFrom(nginx.port, '/api/v1/files', {
      method: 'POST',
      headers: { Authorization: alice.auth, 'Content-Type': type, 'Content-Length': String(body.length) },
      body,
    });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body.toString())).toMatchObject({ statusCode: 413 });
  });
}
