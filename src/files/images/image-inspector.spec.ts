import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { makeAnimation, makeImage, pngChunk, pngHeader, type TestFormat } from '../../../test/support/images';
import { ImageTooManyPixelsError, InvalidImageError, UnsupportedMediaTypeError } from './image-errors';
import { ImageInspector } from './image-inspector';

const FORMATS: [TestFormat, string][] = [
  ['jpeg', 'image/jpeg'],
  ['png', 'image/png'],
  ['gif', 'image/gif'],
  ['webp', 'image/webp'],
  ['avif', 'image/avif'],
];

let dir: string;
let counter = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'malted-inspect-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function saved(bytes: Buffer | string): Promise<string> {
  const path = join(dir, `image-${counter++}`);
  await writeFile(path, bytes);
  return path;
}

/** A valid PNG of width x height 1-bit grey pixels, all zero: tiny on disk, huge when decoded. */
function pngBomb(width: number, height: number): Buffer {
  const header = pngHeader(width, height);
  header.set([1, 0], 8 + 8 + 8); // bit depth 1, greyscale
  const ihdr = pngChunk('IHDR', header.subarray(16, 29));
  const rows = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([header.subarray(0, 8), ihdr, pngChunk('IDAT', deflateSync(rows, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('ImageInspector', () => {
  const inspector = new ImageInspector(100_000_000);

  it.each(FORMATS)('accepts a %s and reports its type and size', async (format, type) => {
    const path = await saved(await makeImage(format, { width: 120, height: 80 }));
    await expect(inspector.inspect(path, type as never)).resolves.toEqual({ type, width: 120, height: 80, frames: 1 });
  });

  it.each(['gif', 'webp'] as const)('counts the frames of an animated %s and gives one frame size', async (format) => {
    const path = await saved(await makeAnimation(format, 5, 40, 30));
    await expect(inspector.inspect(path)).resolves.toEqual({ type: `image/${format}`, width: 40, height: 30, frames: 5 });
  });

  it('gives the displayed size of a JPEG turned by its Exif orientation', async () => {
    const path = await saved(await makeImage('jpeg', { width: 64, height: 48, orientation: 6 }));
    await expect(inspector.inspect(path)).resolves.toMatchObject({ width: 48, height: 64 });
  });

  it.each(FORMATS)('refuses a truncated %s as invalid', async (format) => {
    const bytes = await makeImage(format, { width: 300, height: 200 });
    const path = await saved(bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expect(inspector.inspect(path)).rejects.toThrow(InvalidImageError);
  });

  it.each(['gif', 'webp'] as const)('refuses an animated %s whose last frame is corrupt, though its first decodes', async (format) => {
    const bytes = await makeAnimation(format, 4, 120, 90);
    const at = Math.floor(bytes.length * 0.9);
    bytes.fill(0x55, at, at + 40);
    await expect(sharp(bytes, { pages: 1, failOn: 'error' }).raw().toBuffer()).resolves.toBeDefined();
    await expect(inspector.inspect(await saved(bytes))).rejects.toThrow(InvalidImageError);
  });

  it('refuses a JPEG cut a few rows short of its end', async () => {
    const bytes = await makeImage('jpeg', { width: 600, height: 400 });
    await expect(inspector.inspect(await saved(bytes.subarray(0, bytes.length - 2000)))).rejects.toThrow(InvalidImageError);
  });

  it.each([false, true])(
    'refuses a photo-sized JPEG (progressive: %s) cut anywhere, though it verifies at 1/8 scale',
    async (progressive) => {
      const whole = await sharp(await makeImage('jpeg', { width: 1600, height: 1200 }))
        .jpeg({ progressive })
        .toBuffer();
      await expect(inspector.inspect(await saved(whole), 'image/jpeg')).resolves.toMatchObject({ width: 1600, height: 1200 });
      for (const kept of [0.3, 0.9, 0.99]) {
        const cut = await saved(whole.subarray(0, Math.floor(whole.length * kept)));
        await expect(inspector.inspect(cut, 'image/jpeg')).rejects.toThrow(InvalidImageError);
      }
      await expect(inspector.inspect(await saved(whole.subarray(0, whole.length - 2)), 'image/jpeg')).rejects.toThrow(InvalidImageError);
    },
  );

  it('walks a JPEG scan across its 1 MiB read windows: whole is accepted, cut past the first window is refused', async () => {
    // Noise compresses badly: over 1 MiB of entropy-coded data, with thousands of stuffed 0xFF bytes.
    const noise = Buffer.alloc(1400 * 1100 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const whole = await sharp(noise, { raw: { width: 1400, height: 1100, channels: 3 } })
      .jpeg({ quality: 95 })
      .toBuffer();
    expect(whole.length).toBeGreaterThan((1 << 20) + 4096);
    await expect(inspector.inspect(await saved(whole), 'image/jpeg')).resolves.toMatchObject({ width: 1400, height: 1100 });
    for (const cut of [(1 << 20) + 1, whole.length - 3]) {
      await expect(inspector.inspect(await saved(whole.subarray(0, cut)), 'image/jpeg')).rejects.toThrow(InvalidImageError);
    }
  });

  it('decodes a photo for at most half the CPU time of sharp stats()', async () => {
    // stats() was the full decode before; it also convolves for sharpness and builds histograms (3x the CPU).
    const photo = await saved(await makeImage('jpeg', { width: 1600, height: 1200 }));
    const cpuMs = async (work: () => Promise<unknown>) => {
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const before = process.cpuUsage(); // the whole process: libvips's worker threads included
        await work();
        const used = process.cpuUsage(before);
        best = Math.min(best, (used.user + used.system) / 1000);
      }
      return best;
    };
    const stats = await cpuMs(() => sharp(photo, { failOn: 'error', sequentialRead: true }).stats());
    const inspect = await cpuMs(() => inspector.inspect(photo, 'image/jpeg'));
    expect(inspect).toBeLessThan(stats / 2);
  });

  it.each([
    ['a PNG without its IEND chunk', async () => (await makeImage('png', { width: 120, height: 90 })).subarray(0, -12)],
    [
      'an interlaced PNG cut inside IEND',
      async () =>
        (
          await sharp(await makeImage('png'))
            .png({ progressive: true })
            .toBuffer()
        ).subarray(0, -2),
    ],
    [
      'a PNG with a bad CRC on an ancillary chunk',
      async () => {
        const png = await makeImage('png');
        const text = pngChunk('tEXt', Buffer.from('Comment\0hello', 'latin1'));
        text[text.length - 1] ^= 0xff;
        return Buffer.concat([png.subarray(0, 33), text, png.subarray(33)]);
      },
    ],
    [
      'an animated GIF cut after its first frame',
      async () => {
        const gif = await makeAnimation('gif', 4, 80, 60);
        return gif.subarray(0, Math.floor(gif.length / 3));
      },
    ],
    ['an animated GIF without its trailer', async () => (await makeAnimation('gif', 3, 40, 30)).subarray(0, -1)],
    [
      'a progressive JPEG cut where a scan begins',
      async () => {
        const jpeg = await sharp(await makeImage('jpeg', { width: 640, height: 480 }))
          .jpeg({ progressive: true })
          .toBuffer();
        const sos = Buffer.from([0xff, 0xda]);
        return jpeg.subarray(0, jpeg.indexOf(sos, jpeg.indexOf(sos) + 2));
      },
    ],
  ])('refuses %s', async (_name, make) => {
    // The structural check's own words, except for the JPEG, which libjpeg now refuses itself.
    await expect(inspector.inspect(await saved(await make()))).rejects.toThrow(/truncated or corrupt: (the (PNG|GIF)|VipsJpeg)/);
  });

  it('accepts bytes after the end of an image (a ZIP appended, as some phones write)', async () => {
    const jpeg = await makeImage('jpeg');
    await expect(inspector.inspect(await saved(Buffer.concat([jpeg, Buffer.from('PK\x03\x04 trailing')])))).resolves.toMatchObject({
      type: 'image/jpeg',
    });
  });

  it('refuses a PNG whose compressed pixel data is corrupt', async () => {
    const bytes = await makeImage('png', { width: 300, height: 200 });
    const idat = bytes.indexOf('IDAT', 0, 'latin1');
    bytes.fill(0x55, idat + 100, idat + 160);
    await expect(inspector.inspect(await saved(bytes))).rejects.toThrow(InvalidImageError);
  });

  it('refuses a JPEG whose frame header is corrupt', async () => {
    const bytes = await makeImage('jpeg', { width: 300, height: 200 });
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes[sof + 9] = 7; // seven colour components
    await expect(inspector.inspect(await saved(bytes))).rejects.toThrow(InvalidImageError);
  });

  it('refuses text and empty files as invalid', async () => {
    await expect(inspector.inspect(await saved('hello, world'))).rejects.toThrow(InvalidImageError);
    await expect(inspector.inspect(await saved(''))).rejects.toThrow(InvalidImageError);
  });

  it('refuses formats sharp can read but Malted does not accept (SVG, TIFF)', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>';
    await expect(inspector.inspect(await saved(svg))).rejects.toThrow(UnsupportedMediaTypeError);
    const tiff = await sharp(await makeImage('png'))
      .tiff()
      .toBuffer();
    await expect(inspector.inspect(await saved(tiff))).rejects.toThrow(/Only JPEG, PNG, GIF, WebP and AVIF/);
  });

  it('refuses a file that decodes as another type than the receiver saw', async () => {
    const path = await saved(await makeImage('png'));
    await expect(inspector.inspect(path, 'image/jpeg')).rejects.toThrow(UnsupportedMediaTypeError);
  });

  it('refuses a decompression bomb from its header, without decoding it', async () => {
    const bomb = pngBomb(20000, 20000);
    expect(bomb.length).toBeLessThan(100_000);
    const started = Date.now();
    await expect(inspector.inspect(await saved(bomb))).rejects.toThrow(ImageTooManyPixelsError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('counts every frame of an animation against the pixel limit', async () => {
    const path = await saved(await makeAnimation('gif', 10, 100, 100));
    await expect(new ImageInspector(100_000).inspect(path)).resolves.toMatchObject({ frames: 10 });
    await expect(new ImageInspector(99_999).inspect(path)).rejects.toThrow(/100x100, 10 frames/);
  });
});
