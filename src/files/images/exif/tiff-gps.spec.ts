import exifReader from 'exif-reader';
import { MalformedTiffError, removeGpsFromTiff } from './tiff-gps';

const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const UNDEFINED = 7;

/**
 * A small hand-laid TIFF: IFD0 (Make, Orientation, Exif pointer, GPS pointer, a tag after it) -> IFD1,
 * an Exif IFD with a date, and a GPS IFD with inline and out-of-line values.
 */
function buildTiff(bigEndian: boolean, gpsPointerIn: 'ifd0' | 'exif' = 'ifd0'): Buffer {
  const tiff = Buffer.alloc(240);
  const u16 = (at: number, v: number) => (bigEndian ? tiff.writeUInt16BE(v, at) : tiff.writeUInt16LE(v, at));
  const u32 = (at: number, v: number) => (bigEndian ? tiff.writeUInt32BE(v, at) : tiff.writeUInt32LE(v, at));
  const entry = (at: number, tag: number, type: number, count: number, value: number | string) => {
    u16(at, tag);
    u16(at + 2, type);
    u32(at + 4, count);
    if (typeof value === 'string') tiff.write(value, at + 8, 'latin1');
    else if (type === SHORT) u16(at + 8, value);
    else u32(at + 8, value);
  };
  tiff.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(2, 42);
  u32(4, 8);

  const [ifd0, make, exifIfd, date, gpsIfd, latitude, altitude, ifd1] = [8, 80, 90, 120, 140, 182, 206, 214];
  const ifd0Entries: [number, number, number, number | string][] = [
    [0x010f, ASCII, 10, make],
    [0x0112, SHORT, 1, 6],
    [0x8769, LONG, 1, exifIfd],
    ...(gpsPointerIn === 'ifd0' ? [[0x8825, LONG, 1, gpsIfd] as [number, number, number, number]] : []),
    [0xc4a5, UNDEFINED, 4, 'abcd'],
  ];
  u16(ifd0, ifd0Entries.length);
  ifd0Entries.forEach(([tag, type, count, value], i) => entry(ifd0 + 2 + i * 12, tag, type, count, value));
  u32(ifd0 + 2 + ifd0Entries.length * 12, ifd1);
  tiff.write('MaltedCam\0', make, 'latin1');

  const exifEntries = gpsPointerIn === 'exif' ? 2 : 1;
  u16(exifIfd, exifEntries);
  entry(exifIfd + 2, 0x9003, ASCII, 20, date);
  if (gpsPointerIn === 'exif') entry(exifIfd + 14, 0x8825, LONG, 1, gpsIfd);
  tiff.write('2024:01:02 03:04:05\0', date, 'latin1');

  u16(gpsIfd, 3);
  entry(gpsIfd + 2, 0x0001, ASCII, 2, 'N\0');
  entry(gpsIfd + 14, 0x0002, RATIONAL, 3, latitude);
  entry(gpsIfd + 26, 0x0006, RATIONAL, 1, altitude);
  [51, 1, 30, 1, 4567, 100].forEach((v, i) => u32(latitude + i * 4, v));
  u32(altitude, 8848);
  u32(altitude + 4, 1);

  u16(ifd1, 1);
  entry(ifd1 + 2, 0x0100, LONG, 1, 160);
  return tiff;
}

describe('removeGpsFromTiff', () => {
  it.each([
    ['little-endian', false],
    ['big-endian', true],
  ])('removes the GPS IFD of a %s TIFF and keeps everything else readable', (_, bigEndian) => {
    const tiff = buildTiff(bigEndian);
    const before = exifReader(tiff);
    expect(before.GPSInfo).toMatchObject({ GPSLatitudeRef: 'N', GPSLatitude: [51, 30, 45.67], GPSAltitude: 8848 });

    expect(removeGpsFromTiff(tiff)).toBe(true);
    const after = exifReader(tiff);
    expect(after.GPSInfo).toBeUndefined();
    expect(after.Image).toEqual({ Make: 'MaltedCam', Orientation: 6, ExifTag: 90, PrintImageMatching: Buffer.from('abcd') });
    expect(after.Photo).toEqual({ DateTimeOriginal: before.Photo!.DateTimeOriginal });
    expect(after.Thumbnail).toEqual({ ImageWidth: 160 });
    // The GPS IFD and its values are zeros now.
    expect(tiff.subarray(140, 214).equals(Buffer.alloc(74))).toBe(true);
  });

  it('finds a GPS pointer that a writer put in the Exif IFD', () => {
    const tiff = buildTiff(false, 'exif');
    expect(exifReader(tiff).Photo).toHaveProperty('34853', 140);
    expect(removeGpsFromTiff(tiff)).toBe(true);
    expect(exifReader(tiff).Photo).toEqual({ DateTimeOriginal: expect.any(Date) });
    expect(tiff.subarray(140, 214).equals(Buffer.alloc(74))).toBe(true);
  });

  it('changes nothing when there is no GPS', () => {
    const tiff = buildTiff(false);
    removeGpsFromTiff(tiff);
    const withoutGps = Buffer.from(tiff);
    expect(removeGpsFromTiff(tiff)).toBe(false);
    expect(tiff.equals(withoutGps)).toBe(true);
  });

  it.each([
    ['too short', Buffer.from('II*', 'latin1')],
    ['no byte order', Buffer.from('XX*\0\x08\0\0\0\0\0', 'latin1')],
    ['IFD0 outside the block', Buffer.from('II*\0\xff\0\0\0\0\0', 'latin1')],
    ['entries running past the end', Buffer.from('II*\0\x08\0\0\0\x05\0\x01\x01', 'latin1')],
  ])('refuses a block that is %s', (_, tiff) => {
    expect(() => removeGpsFromTiff(Buffer.from(tiff))).toThrow(MalformedTiffError);
  });

  it('never writes outside the block when GPS values point past its end', () => {
    const tiff = buildTiff(false);
    tiff.writeUInt32LE(10_000, 140 + 14 + 8); // latitude values "at" offset 10000
    const copy = Buffer.from(tiff);
    expect(removeGpsFromTiff(copy)).toBe(true);
    expect(copy.length).toBe(tiff.length);
    expect(exifReader(copy).GPSInfo).toBeUndefined();
  });
});
