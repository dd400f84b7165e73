import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { EXIF_WITH_GPS, makeAnimation, makeImage } from '../../../test/support/images';
import { InvalidImageError } from './image-errors';
import { DEFAULT_VARIANTS, renderVariants, SMALL, THUMBNAIL } from './variants';

const MAX_PIXELS = 100_000_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'malted-variants-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function saved(name: string, bytes: Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

describe('renderVariants', () => {
  it('makes a 200x200 thumbnail and a 550-wide small WebP from a file', async () => {
    const path = await saved('large.jpg', await makeImage('jpeg', { width: 1200, height: 800 }));
    const [thumbnail, small] = await renderVariants(path, MAX_PIXELS);

    expect(thumbnail).toMatchObject({ name: 'thumbnail', width: 200, height: 200, contentType: 'image/webp' });
    expect(small).toMatchObject({ name: 'small', width: 550, height: 367, contentType: 'image/webp' });
    for (const variant of [thumbnail, small]) {
      const metadata = await sharp(variant.data).metadata();
      expect(metadata).toMatchObject({ format: 'webp', width: variant.width, height: variant.height });
    }
  });

  it('reads a stream once for all variants', async () => {
    const path = await saved('stream.png', await makeImage('png', { width: 900, height: 600 }));
    const variants = await renderVariants(createReadStream(path), MAX_PIXELS);
    expect(variants.map(({ name, width, height }) => [name, width, height])).toEqual([
      ['thumbnail', 200, 200],
      ['small', 550, 367],
    ]);
  });

  it('does not enlarge a small image but still fills the thumbnail box', async () => {
    const [thumbnail, small] = await renderVariants(
      await saved('tiny.png', await makeImage('png', { width: 120, height: 90 })),
      MAX_PIXELS,
    );
    expect([thumbnail.width, thumbnail.height]).toEqual([200, 200]);
    expect([small.width, small.height]).toEqual([120, 90]);
  });

  it('turns the picture upright from its Exif orientation', async () => {
    const path = await saved('turned.jpg', await makeImage('jpeg', { width: 800, height: 600, orientation: 6 }));
    const [, small] = await renderVariants(path, MAX_PIXELS, [THUMBNAIL, SMALL]);
    expect([small.width, small.height]).toEqual([550, 733]);
  });

  it('removes all metadata: Exif (with GPS), XMP and ICC', async () => {
    const source = await sharp(await makeImage('jpeg', { width: 600, height: 400, exif: EXIF_WITH_GPS }))
      .keepExif()
      .withIccProfile('p3')
      .withXmp('<x:xmpmeta xmlns:x="adobe:ns:meta/"></x:xmpmeta>')
      .jpeg()
      .toBuffer();
    const before = await sharp(source).metadata();
    expect(before.exif && before.icc && before.xmp).toBeTruthy();

    for (const variant of await renderVariants(await saved('meta.jpg', source), MAX_PIXELS)) {
      const after = await sharp(variant.data).metadata();
      expect([after.exif, after.icc, after.xmp, after.orientation]).toEqual([undefined, undefined, undefined, undefined]);
    }
  });

  it.each(['gif', 'webp'] as const)('uses the first frame of an animated %s', async (format) => {
    const animation = await makeAnimation(format, 4, 300, 200);
    const firstFrame = await sharp(animation, { pages: 1 }).resize(200, 200).raw().toBuffer();
    const [thumbnail] = await renderVariants(await saved(`anim.${format}`, animation), MAX_PIXELS);
    const metadata = await sharp(thumbnail.data).metadata();
    expect(metadata.pages ?? 1).toBe(1);
    // Every frame has a different flat colour: the thumbnail has the first one's.
    const thumbnailPixels = await sharp(thumbnail.data).removeAlpha().raw().toBuffer();
    expect(Math.abs(thumbnailPixels[0] - firstFrame[0])).toBeLessThan(8);
    expect(Math.abs(thumbnailPixels[1] - firstFrame[1])).toBeLessThan(8);
  });

  it('keeps transparency', async () => {
    const transparent = await sharp({ create: { width: 300, height: 300, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const [thumbnail] = await renderVariants(await saved('alpha.png', transparent), MAX_PIXELS);
    expect(await sharp(thumbnail.data).metadata()).toMatchObject({ hasAlpha: true });
  });

  it('refuses an image over the pixel limit and a truncated one', async () => {
    const path = await saved('big.png', await makeImage('png', { width: 400, height: 300 }));
    await expect(renderVariants(path, 400 * 300 - 1)).rejects.toThrow(InvalidImageError);
    const jpeg = await makeImage('jpeg', { width: 400, height: 300 });
    await expect(renderVariants(await saved('cut.jpg', jpeg.subarray(0, jpeg.length / 2)), MAX_PIXELS)).rejects.toThrow(InvalidImageError);
    await expect(renderVariants(Readable.from([jpeg.subarray(0, jpeg.length / 2)]), MAX_PIXELS)).rejects.toThrow(InvalidImageError);
  });

  it('passes on an error of the input stream as it is, so that the job retries', async () => {
    const failing = new Readable({
      read() {
        this.destroy(new Error('storage read failed'));
      },
    });
    await expect(renderVariants(failing, MAX_PIXELS, DEFAULT_VARIANTS)).rejects.toThrow('storage read failed');
  });
});
