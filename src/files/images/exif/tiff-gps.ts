/**
 * Removes GPS location from an Exif TIFF block in memory without changing its length or any offset, so the
 * block can be written back over the original bytes.
 *
 * The GPSInfo pointer (tag 0x8825) is taken out of the IFD that holds it (IFD0; also looked for in the Exif
 * sub-IFD and IFD1, where some writers put it) by moving the following entries up one slot and zeroing the freed
 * 12 bytes; then the GPS IFD and every value it points to are overwritten with zeros. Nothing else changes.
 */

const GPS_INFO_TAG = 0x8825;
const EXIF_IFD_TAG = 0x8769;
const ENTRY_BYTES = 12;
/** Bytes per value of each TIFF field type (1 BYTE ... 13 IFD). */
const TYPE_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };
/** Real IFDs have a few dozen entries; more means garbage. */
const MAX_ENTRIES = 1000;

export class MalformedTiffError extends Error {
  override readonly name = 'MalformedTiffError';
}

/** Returns whether a GPS IFD was found and removed; throws MalformedTiffError when the block is not TIFF. */
export function removeGpsFromTiff(tiff: Buffer): boolean {
  const reader = new TiffReader(tiff);
  const ifd0 = reader.u32(4);
  const seen = new Set<number>();
  const ifds = [ifd0];
  const exifIfd = reader.entryValue(ifd0, EXIF_IFD_TAG);
  if (exifIfd) ifds.push(exifIfd);
  const ifd1 = reader.nextIfd(ifd0);
  if (ifd1) ifds.push(ifd1);

  let removed = false;
  for (const ifd of ifds) {
    if (seen.has(ifd)) continue;
    seen.add(ifd);
    const gpsIfd = reader.entryValue(ifd, GPS_INFO_TAG);
    if (gpsIfd === undefined) continue;
    reader.removeEntry(ifd, GPS_INFO_TAG);
    if (gpsIfd !== 0) reader.zeroIfd(gpsIfd);
    removed = true;
  }
  return removed;
}

class TiffReader {
  private readonly littleEndian: boolean;

  constructor(private readonly tiff: Buffer) {
    if (tiff.length < 8) throw new MalformedTiffError('Exif block too short');
    const order = tiff.toString('latin1', 0, 2);
    if (order !== 'II' && order !== 'MM') throw new MalformedTiffError('Exif block without TIFF byte order');
    this.littleEndian = order === 'II';
    if (this.u16(2) !== 42) throw new MalformedTiffError('Exif block without TIFF magic number');
  }

  u16(at: number): number {
    this.check(at, 2);
    return this.littleEndian ? this.tiff.readUInt16LE(at) : this.tiff.readUInt16BE(at);
  }

  u32(at: number): number {
    this.check(at, 4);
    return this.littleEndian ? this.tiff.readUInt32LE(at) : this.tiff.readUInt32BE(at);
  }

  /** The value of a single LONG/IFD entry (an offset), or undefined when the IFD has no such tag. */
  entryValue(ifd: number, tag: number): number | undefined {
    const at = this.findEntry(ifd, tag);
    return at === undefined ? undefined : this.u32(at + 8);
  }

  /** The offset of the IFD after this one; 0 when there is none or it is missing. */
  nextIfd(ifd: number): number {
    const at = ifd + 2 + this.count(ifd) * ENTRY_BYTES;
    return at + 4 <= this.tiff.length ? this.u32(at) : 0;
  }

  /** Moves the entries after `tag` up one slot, decrements the count and zeroes the freed bytes. */
  removeEntry(ifd: number, tag: number): void {
    const at = this.findEntry(ifd, tag)!;
    const count = this.count(ifd);
    const entriesEnd = ifd + 2 + count * ENTRY_BYTES;
    const end = Math.min(entriesEnd + 4, this.tiff.length); // the next-IFD offset moves up with the entries
    this.tiff.copyWithin(at, at + ENTRY_BYTES, end);
    this.tiff.fill(0, end - ENTRY_BYTES, end);
    if (this.littleEndian) this.tiff.writeUInt16LE(count - 1, ifd);
    else this.tiff.writeUInt16BE(count - 1, ifd);
  }

  /** Zeroes an IFD's entries, its next-IFD offset and every value stored outside the entries. */
  zeroIfd(ifd: number): void {
    const count = this.count(ifd);
    for (let i = 0; i < count; i++) {
      const entry = ifd + 2 + i * ENTRY_BYTES;
      const bytes = (TYPE_BYTES[this.u16(entry + 2)] ?? 0) * this.u32(entry + 4);
      if (bytes <= 4) continue;
      const value = this.u32(entry + 8);
      if (value < this.tiff.length) this.tiff.fill(0, value, Math.min(value + bytes, this.tiff.length));
    }
    this.tiff.fill(0, ifd, Math.min(ifd + 2 + count * ENTRY_BYTES + 4, this.tiff.length));
  }

  private findEntry(ifd: number, tag: number): number | undefined {
    const count = this.count(ifd);
    for (let i = 0; i < count; i++) {
      const at = ifd + 2 + i * ENTRY_BYTES;
      if (this.u16(at) === tag) return at;
    }
    return undefined;
  }

  private count(ifd: number): number {
    const count = this.u16(ifd);
    if (count > MAX_ENTRIES) throw new MalformedTiffError('Exif IFD with too many entries');
    this.check(ifd + 2, count * ENTRY_BYTES);
    return count;
  }

  private check(at: number, length: number): void {
    if (at < 0 || at + length > this.tiff.length) throw new MalformedTiffError('Exif offset outside the block');
  }
}
