import exifReader from 'exif-reader';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { EXIF_WITH_GPS, makeAnimation, makeImage, rawPixels, type TestFormat } from '../../../test/support/images';
import { stripGpsLocation } from './gps-stripper';

const GPS_FORMATS: Exclude<TestFormat, 'gif'>[] = ['jpeg', 'png', 'webp', 'avif'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'malted-gps-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function strip(name: string, bytes: Buffer): Promise<{ stripped: boolean; after: Buffer }> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const stripped = await stripGpsLocation(path);
  return { stripped, after: await readFile(path) };
}

async function exifOf(image: Buffer) {
  const { exif } = await sharp(image).metadata();
  return exif ? exifReader(exif) : undefined;
}

/** GPSAltitude 8848/1 as it is stored in the file (sharp writes little-endian TIFF). */
const ALTITUDE_BYTES = Buffer.from([0x90, 0x22, 0, 0, 1, 0, 0, 0]);

describe('stripGpsLocation', () => {
  describe.each(GPS_FORMATS)('%s with GPS Exif', (format) => {
    let before: Buffer;
    let after: Buffer;
    let stripped: boolean;

    beforeAll(async () => {
      before = await makeImage(format, { width: 120, height: 90, exif: EXIF_WITH_GPS, orientation: 6 });
      ({ stripped, after } = await strip(`gps.${format}`, before));
    });

    it('starts with a location that exif-reader finds', async () => {
      expect((await exifOf(before))?.GPSInfo).toMatchObject({ GPSLatitudeRef: 'N', GPSAltitude: 8848 });
      expect(before.indexOf(ALTITUDE_BYTES)).toBeGreaterThan(0);
    });

    it('removes every GPS tag and the location bytes', async () => {
      expect(stripped).toBe(true);
      const exif = await exifOf(after);
      expect(exif?.GPSInfo).toBeUndefined();
      expect(exif?.Image?.GPSTag).toBeUndefined();
      expect(after.indexOf(ALTITUDE_BYTES)).toBe(-1);
    });

    it('keeps the other Exif tags', async () => {
      const exif = await exifOf(after);
      expect(exif?.Image).toMatchObject({ Make: 'MaltedCam', Model: 'Tester 1', Software: 'malted-tests', Orientation: 6 });
    });

    it('leaves the decoded pixels identical', async () => {
      expect((await rawPixels(after)).equals(await rawPixels(before))).toBe(true);
    });

    it('changes no byte outside the Exif block and keeps the length', async () => {
      const { exif } = await sharp(before).metadata();
      const tiff = exif!.subarray(exif!.toString('latin1', 0, 4) === 'Exif' ? 6 : 0);
      const start = before.indexOf(tiff);
      expect(start).toBeGreaterThan(0);
      // A PNG chunk's CRC follows its data and must change with it.
      const end = start + tiff.length + (format === 'png' ? 4 : 0);
      expect(after.length).toBe(before.length);
      const changed = [...after.keys()].filter((i) => after[i] !== before[i]);
      expect(changed.length).toBeGreaterThan(0);
      expect(changed.every((i) => i >= start && i < end)).toBe(true);
    });

    it('is done after one pass: a second pass finds nothing to strip', async () => {
      expect(await strip(`again.${format}`, after)).toEqual({ stripped: false, after });
    });
  });

  it('keeps every PNG chunk CRC valid', async () => {
    const { after } = await strip('crc.png', await makeImage('png', { exif: EXIF_WITH_GPS }));
    for (let pos = 8; pos < after.length;) {
      const length = after.readUInt32BE(pos);
      const expected = crc32(after.subarray(pos + 8, pos + 8 + length), crc32(after.subarray(pos + 4, pos + 8))) >>> 0;
      expect(after.readUInt32BE(pos + 8 + length)).toBe(expected);
      pos += 12 + length;
    }
    await expect(sharp(after, { failOn: 'warning' }).stats()).resolves.toBeDefined();
  });

  it.each(GPS_FORMATS)('does not touch a %s without Exif', async (format) => {
    const path = join(dir, `plain.${format}`);
    const bytes = await makeImage(format);
    await writeFile(path, bytes);
    const { mtimeMs } = await stat(path);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await stripGpsLocation(path)).toBe(false);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect((await stat(path)).mtimeMs).toBe(mtimeMs);
  });

  it('keeps Exif without GPS as it is', async () => {
    const bytes = await makeImage('jpeg', { exif: { IFD0: { Make: 'NoLocation' } } });
    expect(await strip('nogps.jpg', bytes)).toEqual({ stripped: false, after: bytes });
  });

  it('leaves GIFs and unknown formats alone', async () => {
    const gif = await makeAnimation('gif');
    expect(await strip('anim.gif', gif)).toEqual({ stripped: false, after: gif });
    const text = Buffer.from('just some text, not an image at all');
    expect(await strip('text.txt', text)).toEqual({ stripped: false, after: text });
  });

  it('strips progressive JPEGs and the Exif of images stored after the first (MPF)', async () => {
    const primary = await sharp(await makeImage('jpeg', { width: 300, height: 200 }))
      .withExif(EXIF_WITH_GPS)
      .jpeg({ progressive: true })
      .toBuffer();
    const secondary = await makeImage('jpeg', { width: 80, height: 60, exif: EXIF_WITH_GPS });
    const before = Buffer.concat([primary, secondary]);
    const { stripped, after } = await strip('mpf.jpg', before);
    expect(stripped).toBe(true);
    expect(after.indexOf(ALTITUDE_BYTES)).toBe(-1);
    expect((await exifOf(after.subarray(primary.length)))?.GPSInfo).toBeUndefined();
    expect((await rawPixels(after.subarray(0, primary.length))).equals(await rawPixels(primary))).toBe(true);
    expect((await exifOf(after))?.Image?.Make).toBe('MaltedCam');
  });

  it('wipes an Exif block that is not valid TIFF, without touching the pixels', async () => {
    const jpeg = await makeImage('jpeg');
    const garbage = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), Buffer.from('not a tiff header, but maybe 51N 0W')]);
    const app1 = Buffer.alloc(4);
    app1.writeUInt16BE(0xffe1, 0);
    app1.writeUInt16BE(garbage.length + 2, 2);
    const before = Buffer.concat([jpeg.subarray(0, 2), app1, garbage, jpeg.subarray(2)]);

    const { stripped, after } = await strip('garbage.jpg', before);
    expect(stripped).toBe(true);
    expect(after.subarray(6, 6 + garbage.length).equals(Buffer.alloc(garbage.length))).toBe(true);
    expect(after.subarray(6 + garbage.length).equals(before.subarray(6 + garbage.length))).toBe(true);
    expect((await rawPixels(after)).equals(await rawPixels(jpeg))).toBe(true);
  });

  it('does not write outside a file whose Exif segment claims to run past its end', async () => {
    const jpeg = await makeImage('jpeg', { exif: EXIF_WITH_GPS });
    const tiffAt = jpeg.indexOf('Exif\0\0', 0, 'latin1') + 6;
    const cut = jpeg.subarray(0, tiffAt + 40);
    const { after } = await strip('cut.jpg', cut);
    expect(after.length).toBe(cut.length);
  });
});
