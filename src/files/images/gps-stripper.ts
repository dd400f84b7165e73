import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { ExifBlock } from './exif/exif-block';
import { FileReader } from './exif/file-reader';
import { findHeifExif } from './exif/heif-exif';
import { findJpegExif } from './exif/jpeg-exif';
import { findPngExif } from './exif/png-exif';
import { findWebpExif } from './exif/webp-exif';
import { MalformedTiffError, removeGpsFromTiff } from './exif/tiff-gps';

/** An Exif payload larger than this is not real camera metadata; it is wiped rather than parsed. */
const MAX_EXIF_BYTES = 4 * 1024 * 1024;
const COPY_CHUNK = 64 * 1024;

/**
 * Removes EXIF GPS location from a JPEG, PNG, WebP or AVIF/HEIF file in place, losslessly.
 *
 * Guarantees:
 * - only bytes inside Exif payloads change (plus a PNG eXIf chunk's CRC); no length or offset in the file
 *   changes and the pixel data is never decoded or re-encoded;
 * - in each Exif block the GPSInfo pointer is removed and the GPS IFD with all its values is overwritten with
 *   zeros; every other tag (Make, Orientation, dates...) is kept;
 * - an Exif block that is not valid TIFF, or is implausibly large, is overwritten with zeros entirely, so a
 *   location cannot hide in a block that lenient readers might still parse;
 * - memory stays bounded: marker and box headers, and one Exif payload (at most 4 MiB) at a time;
 * - a file without Exif (or a GIF, or an unknown format) is not written to.
 * Not covered: location in XMP packets, in PNG text chunks ("Raw profile type exif") and in maker notes.
 * Throws ExifNotStrippableError for an AVIF/HEIF whose Exif item cannot be located.
 * Returns whether anything was removed.
 */
export async function stripGpsLocation(path: string): Promise<boolean> {
  const file = await open(path, 'r+');
  try {
    const reader = new FileReader(file, (await file.stat()).size);
    let stripped = false;
    for (const block of await findExifBlocks(reader)) {
      if (await stripBlock(reader, block)) stripped = true;
    }
    return stripped;
  } finally {
    await file.close();
  }
}

async function findExifBlocks(reader: FileReader): Promise<ExifBlock[]> {
  const magic = await reader.read(0, 12);
  if (magic.length < 12) return [];
  if (magic[0] === 0xff && magic[1] === 0xd8) return findJpegExif(reader);
  if (magic.toString('hex', 0, 8) === '89504e470d0a1a0a') return findPngExif(reader);
  if (magic.toString('latin1', 0, 4) === 'RIFF' && magic.toString('latin1', 8, 12) === 'WEBP') return findWebpExif(reader);
  if (magic.toString('latin1', 4, 8) === 'ftyp') return findHeifExif(reader);
  return [];
}

async function stripBlock(reader: FileReader, found: ExifBlock): Promise<boolean> {
  // A damaged file may declare a block running past its end: never write outside the file.
  const extents = found.extents.map(({ offset, length }) => ({ offset, length: Math.max(0, Math.min(length, reader.size - offset)) }));
  const block = { ...found, extents };
  const total = block.extents.reduce((sum, extent) => sum + extent.length, 0);
  if (total === 0) return false;
  if (total > MAX_EXIF_BYTES) {
    await wipe(reader, block);
  } else {
    const payload = Buffer.concat(await Promise.all(block.extents.map(({ offset, length }) => reader.read(offset, length))));
    if (!removeGps(payload, block.layout)) return false;
    await writeBack(reader, block, payload);
  }
  if (block.pngChunk) await rewritePngCrc(reader, block.pngChunk);
  return true;
}

/** Edits the payload in memory; returns whether it changed. */
function removeGps(payload: Buffer, layout: ExifBlock['layout']): boolean {
  const tiffStart = layout === 'heif' ? heifTiffStart(payload) : payload.toString('latin1', 0, 4) === 'Exif' ? 6 : 0;
  if (tiffStart === payload.length) return false;
  try {
    if (tiffStart > payload.length) throw new MalformedTiffError('Exif header offset outside the item');
    return removeGpsFromTiff(payload.subarray(tiffStart));
  } catch (error) {
    if (!(error instanceof MalformedTiffError)) throw error;
    payload.fill(0);
    return true;
  }
}

/** A HEIF Exif item starts with the offset of the TIFF header after this 4-byte field. */
function heifTiffStart(payload: Buffer): number {
  return payload.length < 4 ? payload.length + 1 : 4 + payload.readUInt32BE(0);
}

async function writeBack(reader: FileReader, block: ExifBlock, payload: Buffer): Promise<void> {
  let from = 0;
  for (const { offset, length } of block.extents) {
    await reader.file.write(payload, from, length, offset);
    from += length;
  }
}

async function wipe(reader: FileReader, block: ExifBlock): Promise<void> {
  const zeros = Buffer.alloc(COPY_CHUNK);
  for (const { offset, length } of block.extents) {
    for (let done = 0; done < length; done += COPY_CHUNK) {
      await reader.file.write(zeros, 0, Math.min(COPY_CHUNK, length - done), offset + done);
    }
  }
}

/** A PNG chunk's CRC covers its type and data. */
async function rewritePngCrc(reader: FileReader, chunk: { start: number; dataLength: number }): Promise<void> {
  let crc = crc32(await reader.read(chunk.start + 4, 4));
  for (let done = 0; done < chunk.dataLength; done += COPY_CHUNK) {
    const piece = await reader.read(chunk.start + 8 + done, Math.min(COPY_CHUNK, chunk.dataLength - done));
    crc = crc32(piece, crc);
  }
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0, 0);
  await reader.file.write(bytes, 0, 4, chunk.start + 8 + chunk.dataLength);
}
