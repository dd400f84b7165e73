import type { NestExpressApplication } from '@nestjs/platform-express';
import { readdirSync } from 'node:fs';
import sharp from 'sharp';
import { databaseFingerprint } from '../harness/db-snapshot';
import { settleQueues } from '../harness/jobs';
import { TestContext, type TestUser } from '../harness/test-app';
import { makeAnimation, pngChunk } from '../support/images';

const noisy = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } });

/** Every accepted format, in every mode that changes how its decoder reads the file. */
async function fixtures(): Promise<Array<[string, Buffer, string]>> {
  return [
    ['baseline JPEG', await noisy(160, 120).jpeg().toBuffer(), 'image/jpeg'],
    ['progressive JPEG', await noisy(160, 120).jpeg({ progressive: true }).toBuffer(), 'image/jpeg'],
    ['plain PNG', await noisy(120, 90).png().toBuffer(), 'image/png'],
    ['interlaced PNG', await noisy(120, 90).png({ progressive: true }).toBuffer(), 'image/png'],
    ['animated GIF', await makeAnimation('gif', 4, 80, 60), 'image/gif'],
    ['animated WebP', await makeAnimation('webp', 4, 80, 60), 'image/webp'],
    ['AVIF', await noisy(120, 90).heif({ compression: 'av1' }).toBuffer(), 'image/avif'],
  ];
}

const CUTS = 16;
const CORRUPTIONS = 8;

/** Cut points spread over the file, its last few bytes included (where decoders forgive the most). */
function cutPoints(length: number): number[] {
  const spread = Array.from({ length: CUTS - 4 }, (_, i) => Math.floor(((i + 1) * length) / (CUTS - 3)));
  return [...new Set([...spread, length - 12, length - 4, length - 2, length - 1])].filter((at) => at > 0 && at < length);
}

describe('Damaged images', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let user: TestUser;
  const storedFiles = () => readdirSync(ctx.filesDir, { recursive: true }).length;

  beforeAll(async () => {
    app = await ctx.startApp();
    user = await ctx.newUser(app);
  });
  afterAll(() => ctx.close());

  const upload = (bytes: Buffer, name: string) =>
    ctx
      .http(app)
      .post('/api/v1/files')
      .set('Authorization', user.auth)
      .attach('file', bytes, { filename: name, contentType: 'application/octet-stream' });

  it('accepts every valid file byte-exact, refuses every truncated one with 4xx and stores nothing of it', async () => {
    const figures: string[] = [];
    for (const [name, whole, type] of await fixtures()) {
      const accepted = await upload(whole, 'whole').expect(201);
      const raw = await ctx
        .http(app)
        .get(`/api/v1/files/${accepted.body.key}/raw`)
        .buffer(true)
        .parse(binary as never)
        .expect(200);
      expect(raw.headers['content-type']).toBe(type);
      expect(Buffer.compare(raw.body as Buffer, whole)).toBe(0);
      await settleQueues(app);

      const before = await databaseFingerprint(ctx.database);
      const files = storedFiles();
      const cuts = cutPoints(whole.length);
      for (const at of cuts) {
        const res = await upload(whole.subarray(0, at), 'cut');
        if (res.status < 400 || res.status >= 500)
          throw new Error(`${name} cut at ${at} of ${whole.length}: ${res.status} ${JSON.stringify(res.body)}`);
      }
      expect(await databaseFingerprint(ctx.database)).toEqual(before);
      expect(storedFiles()).toBe(files);
      figures.push(`${name}: ${cuts.length}/${cuts.length} cuts refused`);
    }
    console.log(figures.join('; '));
  }, 180_000);

  it('never answers 5xx to corrupt bytes: a refused file is not stored, an accepted one is stored as sent', async () => {
    const figures: string[] = [];
    for (const [name, whole] of await fixtures()) {
      let refused = 0;
      for (let i = 0; i < CORRUPTIONS; i++) {
        const bytes = Buffer.from(whole);
        const at = Math.floor(((i + 0.5) * bytes.length) / CORRUPTIONS);
        bytes[at] ^= 0x5a;
        if (at + 1 < bytes.length) bytes[at + 1] ^= 0xa5;
        const before = await databaseFingerprint(ctx.database);
        const files = storedFiles();
        const res = await upload(bytes, 'corrupt');
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          refused++;
          expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
          expect(await databaseFingerprint(ctx.database)).toEqual(before);
          expect(storedFiles()).toBe(files);
        } else {
          const raw = await ctx
            .http(app)
            .get(`/api/v1/files/${res.body.key}/raw`)
            .buffer(true)
            .parse(binary as never)
            .expect(200);
          expect(Buffer.compare(raw.body as Buffer, bytes)).toBe(0);
          await settleQueues(app);
        }
      }
      figures.push(`${name}: ${refused}/${CORRUPTIONS} refused`);
    }
    // Formats with checksums (PNG's CRCs, AVIF's AV1 stream) catch every flipped byte; JPEG and GIF have none,
    // and the decoders' warnings on damaged scan data are tolerated, as browsers do.
    console.log(`corrupt bytes: ${figures.join('; ')}`);
  }, 180_000);

  describe('polyglots are served so that no browser runs them', () => {
    const html = '<html><body><script>document.title="ran"</script></body></html>';

    it.each([
      ['a PNG that is also HTML (in a tEXt chunk)', async () => withTextChunk(await noisy(32, 24).png().toBuffer(), html), 'image/png'],
      [
        'a JPEG with a ZIP appended',
        async () => Buffer.concat([await noisy(32, 24).jpeg().toBuffer(), zipWith('a.html', html)]),
        'image/jpeg',
      ],
      [
        'a GIF with HTML after its trailer',
        async () => Buffer.concat([await makeAnimation('gif', 2, 16, 16), Buffer.from(html)]),
        'image/gif',
      ],
    ])('%s', async (_name, make, type) => {
      const bytes = await make();
      const res = await upload(bytes, 'polyglot.html').expect(201);
      for (const path of [`/api/v1/files/${res.body.key}/raw`, `/r/${res.body.key}`]) {
        const raw = await ctx
          .http(app)
          .get(path)
          .buffer(true)
          .parse(binary as never)
          .expect(200);
        expect(Buffer.compare(raw.body as Buffer, bytes)).toBe(0);
        expect(raw.headers['content-type']).toBe(type);
        expect(raw.headers['x-content-type-options']).toBe('nosniff');
        expect(raw.headers['content-security-policy']).toMatch(/\bsandbox\b/);
        expect(raw.headers['content-security-policy']).toContain("default-src 'none'");
        expect(raw.headers['content-disposition']).toMatch(/^inline; filename="[A-Za-z0-9]+\.(png|jpg|jpeg|gif)"$/);
      }
    });
  });
});

/** supertest parser that keeps the body as bytes. */
function binary(res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/** A valid PNG with a tEXt chunk (valid CRC) right after IHDR. */
function withTextChunk(png: Buffer, text: string): Buffer {
  const afterIhdr = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, afterIhdr), pngChunk('tEXt', Buffer.from(`Comment\0${text}`, 'latin1')), png.subarray(afterIhdr)]);
}

/** A one-entry ZIP (stored, no compression): what an archive appended to an image looks like. */
function zipWith(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const file = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(file.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(file.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + file.length, 12);
  end.writeUInt32LE(30 + file.length + data.length, 16);
  return Buffer.concat([local, file, data, central, file, end]);
}
