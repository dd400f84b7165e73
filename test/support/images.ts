import { crc32 } from 'node:zlib';
import sharp, { type Exif } from 'sharp';

/** Images made at test time with sharp, so that no binary fixtures live in the repository. */

export type TestFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif';

export interface TestImageOptions {
  width?: number;
  height?: number;
  /** Exif to write (sharp's IFD0..IFD3 form; IFD3 is GPS). */
  exif?: Exif;
  orientation?: number;
}

/** A noisy picture (so that every pixel matters when pixels are compared), optionally with Exif. */
export async function makeImage(format: TestFormat, options: TestImageOptions = {}): Promise<Buffer> {
  const { width = 64, height = 48, exif, orientation } = options;
  let image = sharp({
    create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  });
  if (exif) image = image.withExif(exif);
  if (orientation) image = image.withMetadata({ orientation });
  return format === 'avif' ? image.heif({ compression: 'av1' }).toBuffer() : image.toFormat(format).toBuffer();
}

/** An animation of `frames` differently coloured frames. */
export async function makeAnimation(format: 'gif' | 'webp', frames = 3, width = 40, height = 30): Promise<Buffer> {
  const pages = await Promise.all(
    Array.from({ length: frames }, (_, i) =>
      sharp({ create: { width, height, channels: 3, background: { r: (i * 37) % 256, g: 255 - ((i * 23) % 256), b: (i * 61) % 256 } } })
        .png()
        .toBuffer(),
    ),
  );
  return sharp(pages, { join: { animated: true } })
    .toFormat(format, { loop: 0 })
    .toBuffer();
}

/** Exif with a location, a camera make and an orientation-independent tag. */
export const EXIF_WITH_GPS: Exif = {
  IFD0: { Make: 'MaltedCam', Model: 'Tester 1', Software: 'malted-tests' },
  IFD3: {
    GPSLatitudeRef: 'N',
    GPSLatitude: '51/1 30/1 4567/100',
    GPSLongitudeRef: 'W',
    GPSLongitude: '0/1 7/1 3912/100',
    GPSAltitude: '8848/1',
  },
};

/** A PNG signature and IHDR claiming the given size, with a correct CRC but no pixels after it. */
export function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), pngChunk('IHDR', ihdr)]);
}

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(Buffer.from(type, 'latin1'))) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** Inserts JPEG APP15 segments of `bytes` in total right after SOI, pushing the frame header far back. */
export function withLargeJpegPreamble(jpeg: Buffer, bytes: number): Buffer {
  const segments: Buffer[] = [];
  for (let left = bytes; left > 0;) {
    const payload = Math.min(left, 65533);
    const segment = Buffer.alloc(4 + payload, 0x20);
    segment.writeUInt16BE(0xffef, 0);
    segment.writeUInt16BE(payload + 2, 2);
    segments.push(segment);
    left -= payload;
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

/** Decoded RGBA pixels, to prove two files show exactly the same picture. */
export async function rawPixels(image: Buffer | string): Promise<Buffer> {
  return sharp(image).ensureAlpha().raw().toBuffer();
}
