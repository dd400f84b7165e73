/** Where one Exif payload sits in an image file. */
export interface ExifBlock {
  /** The payload's byte ranges in the file, in order (an ISOBMFF item may be stored in several extents). */
  extents: FileRange[];
  /**
   * How the TIFF header is found in the payload: `tiff` is TIFF, possibly after an "Exif\0\0" prefix (JPEG APP1,
   * PNG eXIf, WebP EXIF); `heif` starts with a 32-bit big-endian offset to the TIFF header (ISO/IEC 23008-12).
   */
  layout: 'tiff' | 'heif';
  /** For a PNG eXIf chunk: the chunk, whose CRC must be recomputed after a change. */
  pngChunk?: { start: number; dataLength: number };
}

export interface FileRange {
  offset: number;
  length: number;
}
