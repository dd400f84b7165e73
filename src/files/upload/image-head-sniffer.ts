import { fromBuffer as fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';
import { InvalidImageError, UnsupportedMediaTypeError } from '../images/image-errors';
import { ACCEPTED_IMAGE_TYPES_TEXT, type ImageMimeType, isAcceptedImageType } from '../images/image-types';
import { assertPixelsWithin } from '../images/pixel-limit';

/**
 * Decides an upload's type and dimensions from its first bytes, while the rest is still arriving:
 * - the type comes from the content (file-type), never from the name or the declared Content-Type, and only
 *   JPEG, PNG (APNG too), GIF, WebP and AVIF pass;
 * - the dimensions come from the header (image-size), so an image over the pixel limit is refused as soon as
 *   its header has arrived.
 * At most `probeBytes` of the head are kept in memory. When a header is longer than that (a JPEG with huge
 * APPn segments before its frame header), width and height stay unknown here and must be read from the
 * finished file instead.
 */
export class ImageHeadSniffer {
  /** file-type never looks further than this. */
  static readonly TYPE_SAMPLE_BYTES = 4100;
  static readonly DEFAULT_PROBE_BYTES = 1024 * 1024;

  size = 0;
  type?: ImageMimeType;
  width?: number;
  height?: number;
  private head: Buffer = Buffer.alloc(0);
  private probing = true;

  constructor(
    private readonly maxPixels: number,
    private readonly probeBytes = ImageHeadSniffer.DEFAULT_PROBE_BYTES,
  ) {}

  /** Takes the next bytes of the file; rejects as soon as the head shows the file cannot be accepted. */
  async write(chunk: Buffer): Promise<void> {
    this.size += chunk.length;
    if (!this.probing) return;
    const room = this.probeBytes - this.head.length;
    this.head = appendUnpooled(this.head, room < chunk.length ? chunk.subarray(0, room) : chunk);
    if (this.type === undefined) {
      if (this.head.length < ImageHeadSniffer.TYPE_SAMPLE_BYTES) return;
      this.type = await detectType(this.head);
    }
    this.probeDimensions(false);
  }

  /** The whole file has been seen: decides whatever the head could not decide yet. */
  async end(): Promise<void> {
    if (this.size === 0) throw new InvalidImageError('The file is empty');
    if (this.type === undefined) this.type = await detectType(this.head);
    if (this.probing) this.probeDimensions(true);
  }

  private probeDimensions(atEnd: boolean): void {
    const found = readDimensions(this.head, this.type!);
    if (found) {
      this.stopProbing();
      [this.width, this.height] = found;
      assertPixelsWithin(found[0], found[1], this.maxPixels);
    } else if (atEnd && this.size <= this.probeBytes) {
      throw new InvalidImageError(`The ${this.type} file is corrupt: its dimensions cannot be read`);
    } else if (this.head.length >= this.probeBytes) {
      this.stopProbing();
    }
  }

  private stopProbing(): void {
    this.probing = false;
    this.head = Buffer.alloc(0);
  }
}

/**
 * image-size reads through a DataView over the whole underlying ArrayBuffer, past the end of the view it is
 * given: on a pooled Buffer a short header would be "completed" with stale bytes of other data. A Buffer from
 * Buffer.alloc owns an ArrayBuffer of exactly its length, so such reads fail instead.
 */
function appendUnpooled(head: Buffer, chunk: Buffer): Buffer {
  const joined = Buffer.alloc(head.length + chunk.length);
  head.copy(joined, 0);
  chunk.copy(joined, head.length);
  return joined;
}

async function detectType(head: Buffer): Promise<ImageMimeType> {
  if (hasAvifBrand(head)) return 'image/avif';
  // file-type may throw on input it half recognises (a TIFF with broken IFDs): that is "not an image" too.
  const detected = (await fileTypeFromBuffer(head).catch(() => undefined))?.mime as string | undefined;
  const mime = detected === 'image/apng' ? 'image/png' : detected;
  if (isAcceptedImageType(mime)) return mime;
  throw new UnsupportedMediaTypeError(
    `Only ${ACCEPTED_IMAGE_TYPES_TEXT} images are accepted; the file's content is ${mime ?? 'not a known type'}`,
  );
}

/**
 * file-type 16 names only the major brand "avif"; AVIF files may also carry "avif"/"avis" as compatible brands
 * under a "mif1"/"msf1" major brand (MIAF).
 */
function hasAvifBrand(head: Buffer): boolean {
  if (head.length < 16 || head.toString('latin1', 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  const brands = [head.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(head.toString('latin1', at, at + 4));
  return brands.includes('avif') || brands.includes('avis');
}

const IMAGE_SIZE_TYPES: Record<string, ImageMimeType> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  // image-size names ISOBMFF images by major brand; detectType has already checked for an AVIF brand.
  avif: 'image/avif',
  heif: 'image/avif',
  mif1: 'image/avif',
  msf1: 'image/avif',
};

/** Width and height from the header, or undefined while the header is not complete. */
function readDimensions(head: Buffer, type: ImageMimeType): [number, number] | undefined {
  try {
    const size = imageSize(head);
    if (!size.type || IMAGE_SIZE_TYPES[size.type] !== type || !size.width || !size.height) return undefined;
    return [size.width, size.height];
  } catch {
    return undefined;
  }
}
