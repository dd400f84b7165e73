import { makeImage, pngChunk } from '../../../test/support/images';
import { ImageTooManyPixelsError, InvalidImageError, UnsupportedMediaTypeError } from '../images/image-errors';
import { ImageHeadSniffer } from './image-head-sniffer';

async function sniff(bytes: Buffer, maxPixels = 100_000_000, pieceSize = 1000): Promise<ImageHeadSniffer> {
  const sniffer = new ImageHeadSniffer(maxPixels);
  for (let at = 0; at < bytes.length; at += pieceSize) await sniffer.write(bytes.subarray(at, at + pieceSize));
  await sniffer.end();
  return sniffer;
}

describe('ImageHeadSniffer', () => {
  it('decides type and size from pieces as small as one byte', async () => {
    const png = await makeImage('png', { width: 30, height: 20 });
    await expect(sniff(png, 100_000_000, 1)).resolves.toMatchObject({ type: 'image/png', width: 30, height: 20, size: png.length });
  });

  it('takes an AVIF whose major brand is mif1 with avif among the compatible brands', async () => {
    const avif = await makeImage('avif', { width: 30, height: 20 });
    expect(avif.toString('latin1', 8, 12)).toBe('avif');
    avif.write('mif1', 8, 'latin1');
    await expect(sniff(avif)).resolves.toMatchObject({ type: 'image/avif', width: 30, height: 20 });
  });

  it('refuses HEIC (HEVC), which browsers cannot show', async () => {
    const heic = await makeImage('avif');
    heic.write('heic', 8, 'latin1');
    heic.write('heicmif1', 16, 'latin1');
    await expect(sniff(heic)).rejects.toThrow(UnsupportedMediaTypeError);
  });

  it('takes an animated PNG (APNG) as a PNG', async () => {
    const png = await makeImage('png', { width: 30, height: 20 });
    const actl = pngChunk('acTL', Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]));
    const apng = Buffer.concat([png.subarray(0, 33), actl, png.subarray(33)]);
    await expect(sniff(apng)).resolves.toMatchObject({ type: 'image/png' });
  });

  it('refuses as soon as the header shows too many pixels, not at the end', async () => {
    const sniffer = new ImageHeadSniffer(599);
    const png = await makeImage('png', { width: 30, height: 20 });
    await expect(sniffer.write(Buffer.concat([png, Buffer.alloc(5000)]))).rejects.toThrow(ImageTooManyPixelsError);
  });

  it('refuses an image whose header ends before its size, even when memory after it holds one', async () => {
    const png = await makeImage('png');
    // Node's buffer pool: the cut header sits right before the rest of a real header in the same ArrayBuffer.
    const pooled = Buffer.from(png.subarray(0, 40));
    expect(pooled.buffer.byteLength).toBeGreaterThan(40);
    await expect(sniff(pooled.subarray(0, 20))).rejects.toThrow(InvalidImageError);
  });

  it('keeps no more than the probe size of a long header in memory and leaves the size unknown', async () => {
    const sniffer = new ImageHeadSniffer(100_000_000, 8192);
    const jpeg = await makeImage('jpeg');
    const longHeader = Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xef, 0xff, 0xff]), Buffer.alloc(65533), jpeg.subarray(2)]);
    for (let at = 0; at < longHeader.length; at += 1000) await sniffer.write(longHeader.subarray(at, at + 1000));
    await sniffer.end();
    expect(sniffer).toMatchObject({ type: 'image/jpeg', width: undefined, height: undefined, size: longHeader.length });
    expect(sniffer['head'].length).toBe(0);
  });
});
