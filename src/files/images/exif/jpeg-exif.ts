import type { ExifBlock } from './exif-block';
import type { FileReader } from './file-reader';

const EXIF_SIGNATURES = ['Exif\0\0', 'Exif\0\xff'];
const SCAN_CHUNK = 64 * 1024;

/**
 * Every APP1 "Exif" segment of a JPEG, in the primary image and in any images stored right after it
 * (Multi-Picture Format previews and gain maps carry their own Exif). Reads marker headers and skips
 * entropy-coded data in 64 KiB pieces.
 */
export async function findJpegExif(reader: FileReader): Promise<ExifBlock[]> {
  const blocks: ExifBlock[] = [];
  let pos = 0;
  while (isSoi(await reader.read(pos, 2))) {
    pos += 2;
    for (;;) {
      const head = await reader.read(pos, 4);
      if (head.length < 2 || head[0] !== 0xff) return blocks;
      const marker = head[1];
      if (marker === 0xff) {
        pos += 1; // fill byte
        continue;
      }
      if (marker === 0xd9) {
        pos += 2; // EOI: another image may follow
        break;
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        pos += 2;
        continue;
      }
      if (head.length < 4) return blocks;
      const length = head.readUInt16BE(2);
      if (length < 2) return blocks;
      if (marker === 0xe1 && length >= 8) {
        const signature = (await reader.read(pos + 4, 6)).toString('latin1');
        if (EXIF_SIGNATURES.includes(signature)) blocks.push({ extents: [{ offset: pos + 4, length: length - 2 }], layout: 'tiff' });
      }
      pos += 2 + length;
      if (marker === 0xda) pos = await nextMarker(reader, pos);
    }
  }
  return blocks;
}

function isSoi(bytes: Buffer): boolean {
  return bytes.length === 2 && bytes[0] === 0xff && bytes[1] === 0xd8;
}

/** After a scan header: the offset of the next marker, skipping entropy-coded data (FF00 stuffing, RSTn). */
async function nextMarker(reader: FileReader, from: number): Promise<number> {
  let pos = from;
  while (pos < reader.size) {
    const chunk = await reader.read(pos, SCAN_CHUNK);
    let at = chunk.indexOf(0xff);
    while (at !== -1 && at + 1 < chunk.length) {
      const next = chunk[at + 1];
      if (next !== 0x00 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return pos + at;
      at = chunk.indexOf(0xff, at + 1);
    }
    if (chunk.length < 2) return reader.size;
    pos += at === -1 ? chunk.length : at; // an FF at the very end is looked at again with its next byte
  }
  return reader.size;
}
