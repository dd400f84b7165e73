import type { ExifBlock } from './exif-block';
import type { FileReader } from './file-reader';

/** The EXIF chunks of a WebP (RIFF) file. Reads the 8-byte chunk headers only. */
export async function findWebpExif(reader: FileReader): Promise<ExifBlock[]> {
  const riff = await reader.read(0, 12);
  const end = Math.min(reader.size, 8 + riff.readUInt32LE(4));
  const blocks: ExifBlock[] = [];
  for (let pos = 12; pos + 8 <= end;) {
    const head = await reader.read(pos, 8);
    const length = head.readUInt32LE(4);
    if (head.toString('latin1', 0, 4) === 'EXIF') {
      blocks.push({ extents: [{ offset: pos + 8, length: Math.min(length, end - pos - 8) }], layout: 'tiff' });
    }
    pos += 8 + length + (length & 1);
  }
  return blocks;
}
