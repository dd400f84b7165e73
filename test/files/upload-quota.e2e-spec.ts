import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from 'mongoose';
import sharp from 'sharp';
import type { UploadUsage } from '../../src/users/quota/upload-usage.schema';
import { makeAdmin } from '../harness/admins';
import { TestContext, type TestUser } from '../harness/test-app';

const QUOTA = 10_000;

/** A PNG of random pixels: about 3 KB that no compression shrinks, different bytes every time. */
function noisePng(side = 32): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

function nextMonthStart(now = new Date()): string {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString();
}

describe('monthly upload quota (UPLOAD_QUOTA_BYTES_PER_MONTH)', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let usage: Model<UploadUsage>;

  beforeAll(async () => {
    app = await ctx.startApp({ UPLOAD_QUOTA_BYTES_PER_MONTH: String(QUOTA) });
    usage = app.get(getModelToken('UploadUsage'));
  });
  afterAll(() => ctx.close());

  const upload = (user: TestUser, bytes: Buffer) =>
    ctx
      .http(app)
      .post('/api/v1/files')
      .set('Authorization', user.auth)
      .attach('file', bytes, { filename: 'n.png', contentType: 'image/png' });
  const me = async (user: TestUser) => (await ctx.http(app).get('/api/v1/me').set('Authorization', user.auth).expect(200)).body;
  /** Bytes of originals in the local store (`src-<uuid>`; its variants are `src-<uuid>-thumbnail` and `-small`). */
  const storedOriginalBytes = () =>
    readdirSync(ctx.filesDir)
      .filter((name) => /^src-[0-9a-f-]{36}$/.test(name))
      .reduce((sum, name) => sum + statSync(join(ctx.filesDir, name)).size, 0);

  it('lets parallel uploads at the boundary store no more than the quota, and refuses the rest with 429 and the reset time', async () => {
    const user = await ctx.newUser(app);
    const images = await Promise.all(Array.from({ length: 8 }, () => noisePng()));
    const sizes = images.map((image) => image.length);
    expect(Math.min(...sizes)).toBeGreaterThan(2500);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeGreaterThan(2 * QUOTA);

    const results = await Promise.all(images.map((image) => upload(user, image)));
    const accepted = results.flatMap((res, i) => (res.status === 201 ? [sizes[i]] : []));
    const refused = results.filter((res) => res.status !== 201);
    const acceptedBytes = accepted.reduce((a, b) => a + b, 0);

    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(acceptedBytes).toBeLessThanOrEqual(QUOTA);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    for (const res of refused) {
      expect(res.status).toBe(429);
      expect(res.body).toMatchObject({
        statusCode: 429,
        error: 'Too Many Requests',
        quotaBytes: QUOTA,
        resetAt: nextMonthStart(),
        message: expect.stringMatching(/monthly upload quota of 10000 bytes .* resets at \d{4}-\d{2}-01T00:00:00\.000Z$/),
      });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
    expect(storedOriginalBytes()).toBeLessThanOrEqual(QUOTA);
    expect(storedOriginalBytes()).toBe(acceptedBytes);

    const { uploadQuota } = await me(user);
    expect(uploadQuota).toEqual({ limitBytes: QUOTA, usedBytes: acceptedBytes, month: expect.any(String), resetsAt: nextMonthStart() });
    expect(await usage.countDocuments({ granted: false })).toBe(0);

    // What is left is less than one more image: refused while it streams (or before, when nothing is left).
    const more = await upload(user, await noisePng());
    expect(more.status).toBe(429);
    expect(storedOriginalBytes()).toBe(acceptedBytes);
  });

  it('counts identical bytes uploaded again in full, and a save not at all', async () => {
    const user = await ctx.newUser(app);
    const other = await ctx.newUser(app);
    const image = await noisePng();
    await upload(user, image).expect(201);
    await upload(user, image).expect(201);
    expect((await me(user)).uploadQuota.usedBytes).toBe(2 * image.length);

    const theirs = await upload(other, await noisePng()).expect(201);
    await ctx.http(app).post(`/api/v1/files/${theirs.body.key}/save`).set('Authorization', user.auth).send({}).expect(201);
    expect((await me(user)).uploadQuota.usedBytes).toBe(2 * image.length);
  });

  it('does not count refused uploads, and exempts admins', async () => {
    const user = await ctx.newUser(app);
    await upload(user, Buffer.from('not an image at all, just text')).expect(415);
    const truncated = (await noisePng()).subarray(0, 1500);
    await upload(user, truncated).expect(422);
    expect((await me(user)).uploadQuota.usedBytes).toBe(0);

    const admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    for (let i = 0; i < 4; i++) await upload(admin, await noisePng()).expect(201);
    expect((await me(admin)).uploadQuota).toMatchObject({ limitBytes: null, usedBytes: expect.any(Number) });
    expect((await me(admin)).uploadQuota.usedBytes).toBeGreaterThan(QUOTA);
  });

  it('tells clients the quota in GET /site', async () => {
    expect((await ctx.http(app).get('/api/v1/site').expect(200)).body.uploads.quotaBytesPerMonth).toBe(QUOTA);
  });
});
