import type { ExifBlock } from './exif-block';
import type { FileReader } from './file-reader';

/** The eXIf chunks of a PNG (there should be one). Reads the 8-byte chunk headers only. */
export async function findPngExif(reader: FileReader): Promise<ExifBlock[]> {
  const blocks: ExifBlock[] = [];
  for (let pos = 8; pos + 12 <= reader.size;) {
    const head = await reader.read(pos, 8);
    const dataLength = head.readUInt32BE(0);
    const type = head.toString('latin1', 4, 8);
    if (pos + 12 + dataLength > reader.size) break;
    if (type === 'eXIf') {
      blocks.push({ extents: [{ offset: pos + 8, length: dataLength }], layout: 'tiff', pngChunk: { start: pos, dataLength } });
    }
    if (type === 'IEND') break;
    pos += 12 + dataLength;
  }
  return blocks;
}
