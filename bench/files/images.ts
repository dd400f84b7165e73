import sharp from 'sharp';
import { randomSource } from '../common/random';

/**
 * A photo-sized JPEG (1600x1200, quality 85) of smooth colour waves with grain, which compresses like a
 * photograph (1.0 MB with the default grain); each seed gives a different image.
 */
export async function photoLikeJpeg(seed: number, grain = 128, width = 1600, height = 1200): Promise<Buffer> {
  const random = randomSource(seed);
  const waves = Array.from({ length: 3 }, () => ({ fx: random() * 0.02, fy: random() * 0.02, phase: random() * 6.3 }));
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++, i++) {
        const wave = waves[c];
        const base = 128 + 90 * Math.sin(x * wave.fx + y * wave.fy + wave.phase);
        pixels[i] = Math.max(0, Math.min(255, base + (random() - 0.5) * grain));
      }
    }
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * The same JPEG with a comment segment (COM) carrying `text` right after its start marker: other bytes and another
 * hash, hence its own stored object, while decoding exactly like the original.
 */
export function stampedJpeg(jpeg: Buffer, text: string): Buffer {
  const comment = Buffer.from(text, 'latin1');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(comment.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, comment, jpeg.subarray(2)]);
}
