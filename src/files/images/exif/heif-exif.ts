import { ExifNotStrippableError } from '../image-errors';
import type { ExifBlock, FileRange } from './exif-block';
import type { FileReader } from './file-reader';

/** A meta box is item information and small property boxes; anything this large is not worth parsing. */
const MAX_META_BYTES = 4 * 1024 * 1024;

/**
 * The Exif items of an ISOBMFF image (AVIF, HEIF): item types from `iinf`, locations from `iloc` (in the file
 * or in `idat`). Reads box headers and the top-level `meta` box only. Throws ExifNotStrippableError when an Exif
 * item exists but its location cannot be resolved.
 */
export async function findHeifExif(reader: FileReader): Promise<ExifBlock[]> {
  for (let pos = 0; pos + 8 <= reader.size;) {
    const box = await readBoxHeader(reader, pos);
    if (!box) break;
    if (box.type === 'meta') {
      if (box.size > MAX_META_BYTES) throw new ExifNotStrippableError('The image metadata is too large to check for location data');
      const meta = await reader.read(pos, box.size);
      return exifItems(new BoxView(meta, pos), box.headerSize, reader.size);
    }
    pos += box.size;
  }
  return [];
}

interface BoxHeader {
  type: string;
  size: number;
  headerSize: number;
}

async function readBoxHeader(reader: FileReader, pos: number): Promise<BoxHeader | undefined> {
  const head = await reader.read(pos, 16);
  if (head.length < 8) return undefined;
  const type = head.toString('latin1', 4, 8);
  let size = head.readUInt32BE(0);
  let headerSize = 8;
  if (size === 1) {
    if (head.length < 16) return undefined;
    size = Number(head.readBigUInt64BE(8));
    headerSize = 16;
  } else if (size === 0) {
    size = reader.size - pos;
  }
  return size >= headerSize && Number.isSafeInteger(size) ? { type, size, headerSize } : undefined;
}

/** A box in memory, with the file offset it was read from. Out-of-range reads throw ExifNotStrippableError. */
class BoxView {
  constructor(
    readonly bytes: Buffer,
    readonly fileOffset: number,
  ) {}

  uint(at: number, size: number): number {
    if (size === 0) return 0;
    if (at + size > this.bytes.length) throw unreadable();
    if (size === 2) return this.bytes.readUInt16BE(at);
    if (size === 4) return this.bytes.readUInt32BE(at);
    if (size === 8) {
      const value = Number(this.bytes.readBigUInt64BE(at));
      if (!Number.isSafeInteger(value)) throw unreadable();
      return value;
    }
    throw unreadable();
  }

  text(at: number): string {
    if (at + 4 > this.bytes.length) throw unreadable();
    return this.bytes.toString('latin1', at, at + 4);
  }

  /** Child boxes between `from` and `to`. */
  *children(from: number, to: number): Generator<{ type: string; start: number; body: number; end: number }> {
    for (let at = from; at + 8 <= to;) {
      let size = this.uint(at, 4);
      let body = at + 8;
      if (size === 1) {
        size = this.uint(at + 8, 8);
        body = at + 16;
      } else if (size === 0) {
        size = to - at;
      }
      if (size < body - at || at + size > to) throw unreadable();
      yield { type: this.text(at + 4), start: at, body, end: at + size };
      at += size;
    }
  }
}

function exifItems(meta: BoxView, headerSize: number, fileSize: number): ExifBlock[] {
  const boxes = new Map<string, { body: number; end: number }>();
  for (const child of meta.children(headerSize + 4, meta.bytes.length)) {
    if (!boxes.has(child.type)) boxes.set(child.type, child);
  }
  const iinf = boxes.get('iinf');
  const exifIds = iinf ? exifItemIds(meta, iinf.body, iinf.end) : [];
  if (exifIds.length === 0) return [];

  const iloc = boxes.get('iloc');
  if (!iloc) throw new ExifNotStrippableError('The image has Exif metadata without a location');
  const idat = boxes.get('idat');
  const locations = itemLocations(meta, iloc.body, iloc.end, idat ? meta.fileOffset + idat.body : undefined, fileSize);
  return exifIds.map((id) => {
    const extents = locations.get(id);
    if (!extents) throw new ExifNotStrippableError('The image has Exif metadata that cannot be located');
    return { extents, layout: 'heif' as const };
  });
}

/** Item IDs whose `infe` (version 2 or 3) names the item type "Exif". */
function exifItemIds(meta: BoxView, body: number, end: number): number[] {
  const version = meta.uint(body, 4) >>> 24;
  const entriesStart = body + 4 + (version === 0 ? 2 : 4);
  const ids: number[] = [];
  for (const infe of meta.children(entriesStart, end)) {
    if (infe.type !== 'infe') continue;
    const infeVersion = meta.uint(infe.body, 4) >>> 24;
    if (infeVersion < 2) continue;
    const idSize = infeVersion === 2 ? 2 : 4;
    const id = meta.uint(infe.body + 4, idSize);
    if (meta.text(infe.body + 4 + idSize + 2) === 'Exif') ids.push(id);
  }
  return ids;
}

/** Item ID -> file ranges, from `iloc` (ISO/IEC 14496-12 8.11.3), versions 0 to 2. */
function itemLocations(
  meta: BoxView,
  body: number,
  end: number,
  idatFileOffset: number | undefined,
  fileSize: number,
): Map<number, FileRange[]> {
  const version = meta.uint(body, 4) >>> 24;
  let at = body + 4;
  const sizes = meta.uint(at, 2);
  at += 2;
  const offsetSize = sizes >> 12;
  const lengthSize = (sizes >> 8) & 0xf;
  const baseOffsetSize = (sizes >> 4) & 0xf;
  const indexSize = version === 1 || version === 2 ? sizes & 0xf : 0;
  const idSize = version < 2 ? 2 : 4;
  const itemCount = meta.uint(at, idSize);
  at += idSize;

  const locations = new Map<number, FileRange[]>();
  for (let i = 0; i < itemCount; i++) {
    const id = meta.uint(at, idSize);
    at += idSize;
    let constructionMethod = 0;
    if (version === 1 || version === 2) {
      constructionMethod = meta.uint(at, 2) & 0xf;
      at += 2;
    }
    const dataReferenceIndex = meta.uint(at, 2);
    const baseOffset = meta.uint(at + 2, baseOffsetSize);
    const extentCount = meta.uint(at + 2 + baseOffsetSize, 2);
    at += 4 + baseOffsetSize;
    const extents: FileRange[] = [];
    for (let e = 0; e < extentCount; e++) {
      at += indexSize;
      const offset = meta.uint(at, offsetSize);
      const length = meta.uint(at + offsetSize, lengthSize);
      at += offsetSize + lengthSize;
      extents.push({ offset: baseOffset + offset, length });
    }
    if (at > end) throw unreadable();
    const base = constructionMethod === 0 && dataReferenceIndex === 0 ? 0 : constructionMethod === 1 ? idatFileOffset : undefined;
    // Stored elsewhere (another file, constructed) or "to the end of idat": left unlocated, so refused.
    if (base === undefined || (constructionMethod === 1 && extents.some((extent) => extent.length === 0))) continue;
    locations.set(
      id,
      // A zero length in the file means "to the end of the file".
      extents.map(({ offset, length }) => ({ offset: base + offset, length: length || fileSize - base - offset })),
    );
  }
  return locations;
}

function unreadable(): ExifNotStrippableError {
  return new ExifNotStrippableError('The image metadata (HEIF boxes) cannot be read to check for location data');
}
