import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import exifReader from 'exif-reader';
import type { Model } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import type request from 'supertest';
import { QUEUES } from '../../src/jobs/queues';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../../src/files/schemas/source-file.schema';
import { sourceIdOf } from '../../src/files/source-files.service';
import { STORAGE_DRIVER, type StorageDriver } from '../../src/files/storage/storage-driver';
import { Role } from '../../src/common/auth/role';
import { ViewsCounter } from '../../src/files/views.counter';
import { UsersService } from '../../src/users/users.service';
import { abortUploadMidway, listeningPort } from '../harness/aborted-upload';
import { jpegWithGps, png, randomColor } from '../harness/images';
import { settleQueues } from '../harness/jobs';
import { eventually } from '../harness/servers';
import { startStorageBackend, type StorageBackend, type StorageBackendKind } from '../harness/storage-backends';
import { pngHeader } from '../support/images';
import { TestContext, type TestUser } from '../harness/test-app';

/** Collects a response body as bytes (supertest's parsers would decode an image as text). */
const binary = (res: request.Response, callback: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
};
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The files e2e suite, run once per storage driver by the thin spec files beside it (files-<driver>.e2e-spec.ts).
 * Whatever it counts in the store (objects, chunks, unfinished uploads) it counts in the store the app uses.
 */
export function describeFilesSuite(kind: StorageBackendKind, testFile: string): void {
  describe(`files (${kind} storage)`, () => filesSuite(kind, testFile));
}

function filesSuite(kind: StorageBackendKind, testFile: string): void {
  const ctx = new TestContext(testFile);
  let backend: StorageBackend;
  /** This suite's own UPLOAD_TMP_DIR, so that leftovers of other test files running meanwhile do not count. */
  let uploadTmp: string;
  let env: Record<string, string>;
  let api: NestExpressApplication;
  let worker: NestExpressApplication;
  let alice: TestUser;
  let bob: TestUser;
  let sources: Model<SourceFile>;
  let posts: Model<SharedFile>;
  let storage: StorageDriver;

  beforeAll(async () => {
    backend = await startStorageBackend(kind, ctx.database);
    uploadTmp = mkdtempSync(join(tmpdir(), 'malted-files-e2e-'));
    env = { ...backend.env, UPLOAD_TMP_DIR: uploadTmp };
    // The view-count test flushes the in-process counter itself: its timer must not flush first on a slow machine.
    api = await ctx.startApp({ MALTED_MODE: 'api', ...env, VIEWS_FLUSH_INTERVAL_MS: '60000' });
    worker = await ctx.startApp({ MALTED_MODE: 'worker', ...env });
    alice = await ctx.newUser(api);
    bob = await ctx.newUser(api);
    sources = api.get(getModelToken('SourceFile'));
    posts = api.get(getModelToken('SharedFile'));
    storage = api.get(STORAGE_DRIVER);
    expect(storage.kind).toBe(kind);
  });
  afterAll(async () => {
    await ctx.close();
    await backend?.stop();
    if (uploadTmp) rmSync(uploadTmp, { recursive: true, force: true });
  });

  const http = () => ctx.http(api);
  const upload = (user: TestUser | undefined, data: Buffer, fields: Record<string, string> = {}, filename = 'photo.png') => {
    const req = http().post('/api/v1/files');
    if (user) req.set('Authorization', user.auth);
    for (const [name, value] of Object.entries(fields)) req.field(name, value);
    return req.attach('file', data, { filename, contentType: 'image/png' });
  };
  const raw = (key: string) => http().get(`/api/v1/files/${key}/raw`).buffer(true).parse(binary);
  const runJob = async (name: string, data: object = {}) =>
    (await api.get<Queue>(getQueueToken(QUEUES.files.name)).add(name, data)).finished();
  const waitForJobs = () => settleQueues(api, [QUEUES.files.name]);

  describe('upload', () => {
    it('stores an image as a post with a share key and describes it', async () => {
      const image = await png(64, 48, randomColor());
      const res = await upload(alice, image, { title: 'A red square', altText: 'red', description: 'hello #world' }).expect(201);
      expect(res.body).toMatchObject({
        key: expect.stringMatching(/^[0-9A-Za-z]{10}$/),
        title: 'A red square',
        altText: 'red',
        description: 'hello #world',
        owner: { username: alice.username },
        shake: alice.username,
        contentType: 'image/png',
        size: image.length,
        width: 64,
        height: 48,
        frames: 1,
        nsfw: false,
        counts: { likes: 0, saves: 0, views: 0, comments: 0 },
        savedFrom: null,
      });
      expect(res.headers.location).toBe(`/api/v1/files/${res.body.key}`);
      const described = await http().get(`/api/v1/files/${res.body.key}`).expect(200);
      const { viewer, ...asAnyoneSees } = res.body; // the upload answered the signed-in uploader
      expect(viewer).toEqual({ liked: false, saved: false });
      expect(described.body).toEqual(asAnyoneSees);
    });

    it('stores identical bytes once, yet makes each upload its own post', async () => {
      const image = await png(10, 10, randomColor());
      const first = await upload(alice, image).expect(201);
      const second = await upload(bob, image).expect(201);
      expect(first.body.key).not.toBe(second.body.key);
      const stored = await sources.find({ sha256: sha256(image) }).lean();
      expect(stored).toHaveLength(1);
      expect(stored[0].refCount).toBe(2);
    });

    it('gives new bytes the _id of their hash, and still finds bytes stored before under a random _id', async () => {
      const image = await png(13, 13, randomColor());
      await upload(alice, image).expect(201);
      expect((await sources.findOne({ sha256: sha256(image) }).lean())?._id).toEqual(sourceIdOf(sha256(image)));

      // A source as uploads stored them before hash ids: random _id.
      const older = await png(14, 14, randomColor());
      const storageKey = `src-older-${randomBytes(6).toString('hex')}`;
      await storage.write(storageKey, Readable.from([older]), { contentType: 'image/png' });
      const legacy = await sources.create({
        sha256: sha256(older),
        storageKey,
        contentType: 'image/png',
        size: older.length,
        width: 14,
        height: 14,
        refCount: 1,
      });
      await waitForJobs();
      const storedBefore = await backend.footprint();
      const again = await upload(bob, older).expect(201);
      expect(await sources.find({ sha256: sha256(older) }).lean()).toMatchObject([{ _id: legacy._id, refCount: 2 }]);
      expect(await raw(again.body.key).expect(200)).toMatchObject({ body: older });
      expect(await backend.footprint()).toBe(storedBefore); // the copy written before the duplicate showed is gone
    });

    it('stores bytes whose hash id is taken by other bytes under a random _id, leaving the other source as it was', async () => {
      const image = await png(15, 15, randomColor());
      const other = await sources.create({
        _id: sourceIdOf(sha256(image)), // a 96-bit prefix collision, made by hand
        sha256: sha256(Buffer.from('other bytes')),
        storageKey: `src-other-${randomBytes(6).toString('hex')}`,
        contentType: 'image/png',
        size: 11,
        width: 1,
        height: 1,
        refCount: 1,
      });
      const res = await upload(alice, image).expect(201);
      const stored = await sources.findOne({ sha256: sha256(image) }).lean();
      expect(stored!._id).not.toEqual(other._id);
      expect(await sources.findById(other._id).lean()).toMatchObject({ refCount: 1, sha256: other.sha256 });
      expect(await raw(res.body.key).expect(200)).toMatchObject({ body: image });
      await upload(bob, image).expect(201); // found again, by its hash
      expect(await sources.find({ sha256: sha256(image) }).lean()).toMatchObject([{ refCount: 2 }]);
    });

    it('removes the GPS location before anyone can fetch the file', async () => {
      const image = await jpegWithGps();
      expect(exifReader((await sharp(image).metadata()).exif!).GPSInfo).toBeDefined();
      const res = await upload(alice, image, {}, 'holiday.jpg').expect(201);
      const served = await raw(res.body.key).expect(200);
      const exif = exifReader((await sharp(served.body as Buffer).metadata()).exif!);
      expect(exif.GPSInfo).toBeUndefined();
      expect(exif.Image?.Make).toBe('MaltedCam');
      const [before, after] = await Promise.all([
        sharp(image).raw().toBuffer(),
        sharp(served.body as Buffer)
          .raw()
          .toBuffer(),
      ]);
      expect(after.equals(before)).toBe(true); // the pixels were not re-encoded
    });

    it('posts to a group shake only for its owner and managers', async () => {
      const shakes = api.get<Model<{ nameLower: string; ownerId: unknown; managerIds: unknown[] }>>(getModelToken('Shake'));
      const owner = await api.get(UsersService).getByUsername(alice.username);
      const name = `grp${Date.now().toString(36)}`;
      await shakes.create({ name, nameLower: name, type: 'group', ownerId: owner._id, title: 'Group', managerIds: [] });
      const ok = await upload(alice, await png(8, 8, randomColor()), { shake: name.toUpperCase() }).expect(201);
      expect(ok.body.shake).toBe(name);
      await upload(bob, await png(8, 8, randomColor()), { shake: name }).expect(403);
      await upload(bob, await png(8, 8, randomColor()), { shake: alice.username }).expect(403);
      await upload(bob, await png(8, 8, randomColor()), { shake: 'no-such-shake' }).expect(404);
    });
  });

  describe('bad uploads get a clear 4xx and leave nothing behind', () => {
    let before: { sources: number; posts: number; stored: number };
    beforeEach(async () => {
      await waitForJobs(); // variants of earlier uploads are written to the store meanwhile
      before = { sources: await sources.countDocuments(), posts: await posts.countDocuments(), stored: await backend.footprint() };
    });
    afterEach(async () => {
      expect(await sources.countDocuments()).toBe(before.sources);
      expect(await posts.countDocuments()).toBe(before.posts);
      expect(await backend.footprint()).toBe(before.stored);
      expect(readdirSync(uploadTmp)).toEqual([]);
    });

    it.each([
      ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 415],
      ['HTML', Buffer.from('<!doctype html><html><body>hi</body></html>'), 415],
      ['text', Buffer.from('just some text, not an image at all'), 415],
      ['PDF', Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF'), 415],
    ])('refuses %s named and typed as PNG', async (_, data, status) => {
      const res = await upload(alice, data).expect(status);
      expect(res.body).toMatchObject({ statusCode: status, message: expect.stringMatching(/JPEG, PNG, GIF, WebP (and|or) AVIF/) });
    });

    it('refuses a truncated JPEG with 422', async () => {
      const image = await sharp({ create: { width: 300, height: 300, channels: 3, background: randomColor() } })
        .jpeg()
        .toBuffer();
      const res = await upload(alice, image.subarray(0, Math.floor(image.length / 2)), {}, 'cut.jpg').expect(422);
      expect(res.body.statusCode).toBe(422);
    });

    it('refuses unknown fields, a missing file and an anonymous caller', async () => {
      await upload(alice, await png(), { mood: 'happy' }).expect(400);
      await http().post('/api/v1/files').set('Authorization', alice.auth).field('title', 'no file').expect(400);
      await upload(undefined, await png()).expect(401);
      await upload(alice, await png(), { title: 'x'.repeat(251) }).expect(400);
    });
  });

  it('refuses a zero-byte file and a PNG whose header claims 20000x20000, storing nothing', async () => {
    await waitForJobs();
    const before = await sources.countDocuments();
    const storedBefore = await backend.footprint();
    const empty = await upload(alice, Buffer.alloc(0));
    expect([400, 415, 422]).toContain(empty.status);
    const bomb = Buffer.concat([pngHeader(20000, 20000), Buffer.alloc(64 * 1024)]);
    await upload(alice, bomb).expect(413, /pixels/);
    expect(await sources.countDocuments()).toBe(before);
    expect(await backend.footprint()).toBe(storedBefore);
    expect(readdirSync(uploadTmp)).toEqual([]);
  });

  it('refuses an upload over the byte limit with 413 as soon as it passes it', async () => {
    const small = await ctx.startApp({ MALTED_MODE: 'api', ...env, UPLOAD_MAX_BYTES: '20000' });
    const noise = await sharp(Buffer.from(Array.from({ length: 200 * 200 * 3 }, () => Math.floor(Math.random() * 256))), {
      raw: { width: 200, height: 200, channels: 3 },
    })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(20000);
    await waitForJobs();
    const before = await sources.countDocuments();
    const storedBefore = await backend.footprint();
    const res = await ctx.http(small).post('/api/v1/files').set('Authorization', alice.auth).attach('file', noise, 'big.png');
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/larger than the limit/);
    expect(await sources.countDocuments()).toBe(before);
    expect(await backend.footprint()).toBe(storedBefore); // no object (GridFS chunk, S3 multipart upload) was started either
    expect(readdirSync(uploadTmp)).toEqual([]);
    await ctx.closeApp(small);
  });

  describe('a client that aborts mid-upload leaves nothing behind', () => {
    const MiB = 1024 * 1024;
    let large: Buffer;
    beforeAll(async () => {
      // Noise does not compress: a real JPEG of several MB.
      const [width, height] = [2400, 1800];
      large = await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } })
        .jpeg({ quality: 92 })
        .toBuffer();
      expect(large.length).toBeGreaterThan(3 * MiB);
    });
    const onDisk = () =>
      readdirSync(uploadTmp).reduce((sum, name) => sum + (statSync(join(uploadTmp, name), { throwIfNoEntry: false })?.size ?? 0), 0);
    const state = async () => ({
      posts: await posts.countDocuments(),
      sources: await sources.countDocuments(),
      stored: await backend.footprint(),
      tmp: readdirSync(uploadTmp),
    });

    it.each([
      [
        'half-way through the file',
        () => 2 * MiB,
        () =>
          eventually(
            async () => onDisk(),
            (bytes) => bytes >= MiB,
          ),
      ],
      [
        'with the whole file sent but not the closing boundary',
        (announced: number) => announced - 4,
        () =>
          eventually(
            async () => onDisk(),
            (bytes) => bytes >= large.length - 64 * 1024,
          ),
      ],
    ])('%s: no post, source, stored object or temporary file; the next upload works', async (_, sendBytes, beforeAbort) => {
      await waitForJobs();
      const before = await state();
      expect(before.tmp).toEqual([]);

      const port = await listeningPort(api.getHttpServer());
      const aborted = await abortUploadMidway(port, alice.auth, large, { sendBytes, beforeAbort });
      expect(aborted.status).toBeUndefined();
      expect(aborted.sent).toBeLessThan(aborted.announced);

      const settled = await eventually(state, (now) => JSON.stringify(now) === JSON.stringify(before), 15_000);
      expect(settled).toEqual(before);
      await new Promise((r) => setTimeout(r, 300)); // and it stays so: nothing was still on its way
      expect(await state()).toEqual(before);

      const next = await png(20, 20, randomColor());
      const res = await upload(alice, next).expect(201);
      expect(((await raw(res.body.key).expect(200)).body as Buffer).equals(next)).toBe(true);
      expect(readdirSync(uploadTmp)).toEqual([]);
    });
  });

  /** Every media route at its API path and at its short public path: the same tests run over both. */
  const MEDIA_URLS = [
    [
      '/api/v1/files/:key/…',
      {
        raw: (key: string) => `/api/v1/files/${key}/raw`,
        thumbnail: (key: string) => `/api/v1/files/${key}/thumbnail`,
        small: (key: string) => `/api/v1/files/${key}/small`,
      },
    ],
    [
      '/r/:key, /t/:key, /s/:key',
      { raw: (key: string) => `/r/${key}`, thumbnail: (key: string) => `/t/${key}`, small: (key: string) => `/s/${key}` },
    ],
  ] as const;

  describe.each(MEDIA_URLS)('serving at %s', (_, urls) => {
    let key: string;
    let image: Buffer;
    beforeAll(async () => {
      image = await png(120, 80, randomColor());
      key = (await upload(alice, image).expect(201)).body.key;
    });
    const raw = (key: string) => http().get(urls.raw(key)).buffer(true).parse(binary);

    it('serves the bytes with a strong ETag, immutable caching and safe headers', async () => {
      const res = await raw(key).expect(200);
      expect((res.body as Buffer).equals(image)).toBe(true);
      expect(res.headers).toMatchObject({
        etag: `"${sha256(image)}"`,
        'cache-control': 'public, max-age=31536000, immutable',
        'content-type': 'image/png',
        'content-length': String(image.length),
        'x-content-type-options': 'nosniff',
        'content-disposition': `inline; filename="${key}.png"`,
        'accept-ranges': 'bytes',
        'content-security-policy': "default-src 'none'; img-src 'self'; sandbox",
        'cross-origin-resource-policy': 'cross-origin', // embeddable on other sites
      });
    });

    it('answers a matching If-None-Match with 304 and no body', async () => {
      const res = await raw(key)
        .set('If-None-Match', `"${sha256(image)}"`)
        .expect(304);
      expect((res.body as Buffer).length).toBe(0);
    });

    it('answers HEAD with the headers only', async () => {
      const res = await http().head(urls.raw(key)).expect(200);
      expect(res.headers['content-length']).toBe(String(image.length));
      expect(res.text ?? '').toBe('');
    });

    it('serves byte ranges (206), refuses unsatisfiable ones (416) and answers several with the whole file', async () => {
      const part = await raw(key).set('Range', 'bytes=10-29').expect(206);
      expect(part.headers['content-range']).toBe(`bytes 10-29/${image.length}`);
      expect((part.body as Buffer).equals(image.subarray(10, 30))).toBe(true);

      const tail = await raw(key).set('Range', 'bytes=-5').expect(206);
      expect((tail.body as Buffer).equals(image.subarray(image.length - 5))).toBe(true);

      const beyond = await http().get(urls.raw(key)).set('Range', `bytes=${image.length}-`).expect(416);
      expect(beyond.headers['content-range']).toBe(`bytes */${image.length}`);
      expect(beyond.body).toMatchObject({ statusCode: 416 });

      const several = await raw(key).set('Range', 'bytes=0-1,20-30').expect(200);
      expect((several.body as Buffer).equals(image)).toBe(true);
      const stale = await raw(key).set('Range', 'bytes=0-1').set('If-Range', '"something-else"').expect(200);
      expect((stale.body as Buffer).length).toBe(image.length);
    });

    it('makes a 200x200 WebP thumbnail and a 550-wide small one in the worker, answering 202 until they exist', async () => {
      const fresh = (await upload(alice, await png(800, 400, randomColor())).expect(201)).body.key;
      // Asked at once, before the worker made it (the answer is not kept as final: see the 200 below).
      const first = await http().get(urls.thumbnail(fresh)).buffer(true).parse(binary);
      expect([200, 202]).toContain(first.status);
      if (first.status === 202) expect(first.headers['retry-after']).toBe('2');
      for (const [variant, width, height] of [
        ['thumbnail', 200, 200],
        ['small', 550, 275],
      ] as const) {
        const done = await eventually(
          () => http().get(urls[variant](fresh)).buffer(true).parse(binary),
          (res) => res.status === 200,
          20_000,
        );
        expect(done.status).toBe(200);
        expect(done.headers).toMatchObject({
          'content-type': 'image/webp',
          'cache-control': 'public, max-age=31536000, immutable',
          'content-disposition': `inline; filename="${fresh}-${variant}.webp"`,
          'x-content-type-options': 'nosniff',
          'content-security-policy': "default-src 'none'; img-src 'self'; sandbox",
        });
        const meta = await sharp(done.body as Buffer).metadata();
        expect([meta.format, meta.width, meta.height]).toEqual(['webp', width, height]);
        await http().get(urls[variant](fresh)).set('If-None-Match', done.headers.etag).expect(304);
        const part = await http().get(urls[variant](fresh)).set('Range', 'bytes=0-9').buffer(true).parse(binary).expect(206);
        expect((part.body as Buffer).equals((done.body as Buffer).subarray(0, 10))).toBe(true);
        expect((await http().head(urls[variant](fresh)).expect(200)).headers['content-length']).toBe(String((done.body as Buffer).length));
      }
    });

    it('answers unknown and malformed keys with 404', async () => {
      await http().get('/api/v1/files/AAAAAAAAAA').expect(404);
      await http().get('/api/v1/files/not-a-key!').expect(404);
      for (const url of [urls.raw, urls.thumbnail, urls.small]) {
        await http().get(url('AAAAAAAAAA')).expect(404);
        await http().get(url('not-a-key!')).expect(404);
      }
    });

    it('stops serving a deleted file at once, warm cache or not', async () => {
      const { key: doomed } = (await upload(alice, await png(14, 14, randomColor())).expect(201)).body;
      await raw(doomed).expect(200);
      await http().delete(`/api/v1/files/${doomed}`).set('Authorization', alice.auth).expect(204);
      await http().get(urls.raw(doomed)).expect(404);
      await http().get(urls.thumbnail(doomed)).expect(404);
    });
  });

  describe('editing and deleting', () => {
    it('lets only the owner edit, with validated fields; NSFW is one-way', async () => {
      const { key } = (await upload(alice, await png(9, 9, randomColor())).expect(201)).body;
      const edited = await http()
        .patch(`/api/v1/files/${key}`)
        .set('Authorization', alice.auth)
        .send({ title: 'New title', nsfw: true })
        .expect(200);
      expect(edited.body).toMatchObject({ title: 'New title', nsfw: true });
      await http().patch(`/api/v1/files/${key}`).set('Authorization', bob.auth).send({ title: 'mine now' }).expect(403);
      await http().patch(`/api/v1/files/${key}`).send({ title: 'anon' }).expect(401);
      await http().patch(`/api/v1/files/${key}`).set('Authorization', alice.auth).send({ nsfw: false }).expect(400);
      await http()
        .patch(`/api/v1/files/${key}`)
        .set('Authorization', alice.auth)
        .send({ title: 'x'.repeat(251) })
        .expect(400);
      await http().patch(`/api/v1/files/${key}`).set('Authorization', alice.auth).send({ owner: 'bob' }).expect(400);
      await http().patch(`/api/v1/files/${key}`).set('Authorization', alice.auth).send({}).expect(400);
      expect((await http().get(`/api/v1/files/${key}`).expect(200)).body).toMatchObject({ title: 'New title', nsfw: true });
    });

    it('deletes for the owner or an admin; the bytes go once no post uses them', async () => {
      await waitForJobs();
      const storedBefore = await backend.footprint();
      const image = await png(11, 11, randomColor());
      const mine = (await upload(alice, image).expect(201)).body.key;
      const theirs = (await upload(bob, image).expect(201)).body.key;
      const source = await sources.findOne({ sha256: sha256(image) }).lean();
      await waitForJobs();

      await http().delete(`/api/v1/files/${mine}`).set('Authorization', bob.auth).expect(403);
      await http().delete(`/api/v1/files/${mine}`).expect(401);
      await http().delete(`/api/v1/files/${mine}`).set('Authorization', alice.auth).expect(204);
      await http().get(`/api/v1/files/${mine}`).expect(404);
      await http().get(`/api/v1/files/${mine}/raw`).expect(404);
      await waitForJobs();
      expect((await sources.findById(source!._id).lean())?.refCount).toBe(1);
      expect(await storage.stat(source!.storageKey)).not.toBeNull();
      await raw(theirs).expect(200);

      const admin = await ctx.newUser(api);
      const service = api.get(UsersService);
      await service.update((await service.getByUsername(admin.username))._id, { role: Role.Admin });
      await http().delete(`/api/v1/files/${theirs}`).set('Authorization', admin.auth).expect(204);
      await eventually(
        () => sources.findById(source!._id).lean(),
        (doc) => doc === null,
        20_000,
      );
      const gone = await eventually(
        () => storage.stat(source!.storageKey),
        (stat) => stat === null,
        20_000,
      );
      expect(gone).toBeNull();
      expect(await storage.stat(`${source!.storageKey}-thumbnail`)).toBeNull();
      // The original and both variants are gone from the store, and nothing else of them stays there.
      expect(
        await eventually(
          () => backend.footprint(),
          (stored) => stored === storedBefore,
          20_000,
        ),
      ).toBe(storedBefore);
      await http().delete(`/api/v1/files/${theirs}`).set('Authorization', admin.auth).expect(404);
    });
  });

  it('makes new variants for bytes uploaded again after they were purged (same source _id, new stored bytes)', async () => {
    const image = await png(301, 200, randomColor());
    const thumbnail = (key: string) => http().get(`/api/v1/files/${key}/thumbnail`).buffer(true).parse(binary);
    const first = (await upload(alice, image).expect(201)).body.key;
    await eventually(
      () => thumbnail(first),
      (res) => res.status === 200,
      20_000,
    );
    const purged = await sources.findOne({ sha256: sha256(image) }).lean();
    await http().delete(`/api/v1/files/${first}`).set('Authorization', alice.auth).expect(204);
    await eventually(
      () => storage.stat(`${purged!.storageKey}-thumbnail`),
      (stat) => stat === null,
      20_000,
    );

    const second = (await upload(alice, image).expect(201)).body.key;
    const stored = await sources.findOne({ sha256: sha256(image) }).lean();
    expect(stored).toMatchObject({ _id: purged!._id, refCount: 1 });
    expect(stored!.storageKey).not.toBe(purged!.storageKey);
    const done = await eventually(
      () => thumbnail(second),
      (res) => res.status === 200,
      20_000,
    );
    expect(done.status).toBe(200);
    expect(await storage.stat(`${stored!.storageKey}-thumbnail`)).not.toBeNull();
  });

  it('counts raw fetches by anyone but the owner, at both URLs and from a warm cache, folded in by the job', async () => {
    const { key } = (await upload(alice, await png(12, 12, randomColor())).expect(201)).body;
    const views = api.get(ViewsCounter);
    await views.flush(); // the views of the tests before this one
    await raw(key).expect(200);
    await http().get(`/r/${key}`).expect(200);
    await raw(key).set('Authorization', bob.auth).expect(200);
    await raw(key).set('Authorization', alice.auth).expect(200); // the owner
    await http().get(`/r/${key}`).set('Authorization', alice.auth).expect(200); // the owner
    await http().head(`/api/v1/files/${key}/raw`).expect(200); // not a view
    await http().head(`/r/${key}`).expect(200); // not a view
    await raw(key).set('Range', 'bytes=5-9').expect(206); // a later part: not a new view
    await http().get(`/t/${key}`); // a thumbnail is not a view
    expect(views.unflushed).toBe(3); // counted in memory, not yet in Redis
    await views.flush();
    expect(views.unflushed).toBe(0);
    await runJob(QUEUES.files.jobs.foldViews);
    const described = await http().get(`/api/v1/files/${key}`).expect(200);
    expect(described.body.counts.views).toBe(3);
    await runJob(QUEUES.files.jobs.foldViews);
    expect((await http().get(`/api/v1/files/${key}`).expect(200)).body.counts.views).toBe(3);
  });

  it('marks a source that cannot be decoded as failed without retrying it', async () => {
    const storageKey = `src-undecodable-${Date.now()}`;
    await storage.write(storageKey, Readable.from(Buffer.from('\x89PNG\r\n\x1a\n this is not really a png')), { contentType: 'image/png' });
    const source = await sources.create({
      sha256: sha256(Buffer.from(storageKey)),
      storageKey,
      contentType: 'image/png',
      size: 30,
      width: 1,
      height: 1,
      refCount: 1,
    });
    const queue = api.get<Queue>(getQueueToken(QUEUES.files.name));
    const job = await queue.add(QUEUES.files.jobs.variants, { sourceId: source._id.toString() });
    await expect(job.finished()).rejects.toThrow();
    const failed = await queue.getJob(job.id);
    expect(failed!.attemptsMade).toBe(1); // discarded: the 5 attempts of the default options were not used
    const variants = await api
      .get<Model<{ sourceId: unknown; status: string }>>(getModelToken('VariantSet'))
      .findOne({ sourceId: source._id })
      .lean();
    expect(variants?.status).toBe('failed');
    await failed!.remove(); // seen: later waits for the queue would report it
  });

  it('serves only health from the worker process', async () => {
    await ctx
      .http(worker)
      .get('/api/v1/files/AAAAAAAAAA')
      .expect(404, /only \/health/);
  });
}
