import sharp, { type Metadata, type SharpOptions } from 'sharp';
import { InvalidImageError, UnsupportedMediaTypeError } from './image-errors';
import { ACCEPTED_IMAGE_TYPES_TEXT, type ImageMimeType } from './image-types';
import { structuralProblem } from './image-structure';
import { assertPixelsWithin } from './pixel-limit';

export interface ImageInspection {
  type: ImageMimeType;
  /** Displayed size: EXIF orientation applied, one frame of an animation. */
  width: number;
  height: number;
  /** Frames of an animated GIF or WebP; 1 for everything else. */
  frames: number;
}

/**
 * Full validation of an image file with sharp (libvips).
 *
 * Guarantees, for a file that passes:
 * - it is a JPEG, PNG, GIF, WebP or AVIF (AV1 in HEIF) image, as libvips sees it;
 * - every pixel of every frame decodes without error: truncated data and decoder errors (broken PNG/WebP/AVIF
 *   streams, CRC errors, invalid headers) are refused (failOn 'error'). Decoder warnings are tolerated, as
 *   browsers do: libjpeg reports damaged JPEG scan data (bad Huffman codes, stray bytes) only as warnings, and
 *   refusing those would refuse many real camera and phone photos;
 * - its container is whole (image-structure.ts): what decoders forgive at the end of a file (a PNG without IEND or
 *   with a bad CRC, a GIF cut after a frame, a progressive JPEG cut between scans) is refused;
 * - width x height x frames is within `maxPixels`, checked from the header before anything is decoded and again
 *   by libvips (limitInputPixels), so decompression bombs are refused without being expanded. Decoding streams
 *   through libvips, so memory does not grow with the image.
 * Refusals are InvalidImageError (unreadable), UnsupportedMediaTypeError (another type, or not `expected`) and
 * ImageTooManyPixelsError.
 */
export class ImageInspector {
  constructor(private readonly maxPixels: number) {}

  async inspect(path: string, expected?: ImageMimeType): Promise<ImageInspection> {
    // Header only: the pixel limit is checked here with a clear error, then enforced by libvips while decoding.
    const metadata = await sharp(path, { ...this.options(), limitInputPixels: false })
      .metadata()
      .catch((error: Error) => {
        throw new InvalidImageError(`The image cannot be read: ${describe(error)}`);
      });
    const type = mimeTypeOf(metadata);
    if (expected && type !== expected) {
      throw new UnsupportedMediaTypeError(`The file starts like ${expected} but decodes as ${type}`);
    }
    const animated = type === 'image/gif' || type === 'image/webp';
    const frames = animated ? (metadata.pages ?? 1) : 1;
    const frameHeight = animated ? (metadata.pageHeight ?? metadata.height) : metadata.height;
    assertPixelsWithin(metadata.width, frameHeight, this.maxPixels, frames);

    const verify = type === 'image/jpeg' ? decodeEveryJpegBlock : decodeEveryPixel;
    await verify(path, { ...this.options(), pages: animated ? -1 : 1 }).catch((error: Error) => {
      throw new InvalidImageError(`The image is truncated or corrupt: ${describe(error)}`);
    });

    const problem = await structuralProblem(path, type);
    if (problem) throw new InvalidImageError(`The image is truncated or corrupt: ${problem}`);

    const turned = (metadata.orientation ?? 1) >= 5;
    return {
      type,
      width: turned ? frameHeight : metadata.width,
      height: turned ? metadata.width : frameHeight,
      frames,
    };
  }

  private options(): SharpOptions {
    return { failOn: 'error', limitInputPixels: this.maxPixels, sequentialRead: true };
  }
}

/**
 * Decodes every pixel of every page and averages them down to one, streaming (memory does not grow with the
 * image). Setting the pipeline colourspace turns off sharp's JPEG and WebP shrink-on-load, which would skip the
 * full-size decode. A third of the CPU of stats() (which also convolves for sharpness and builds histograms):
 * about 20 ms instead of 65 ms for a 2-megapixel photo, 1.4 s instead of 6 s for 81 megapixels.
 * libvips caches this pipeline by file name, so a path must not be reused for other bytes once inspected
 * (uploads each get a new random name).
 */
async function decodeEveryPixel(path: string, options: SharpOptions): Promise<void> {
  await sharp(path, options).pipelineColourspace('srgb').resize(1, 1, { fit: 'fill' }).raw().toBuffer();
}

/**
 * A JPEG's whole entropy-coded stream, verified for about 60% of the CPU of decodeEveryPixel (9 ms instead of
 * 15 ms for a 1 MB 2-megapixel photo, `npm run bench:upload-steps`): libjpeg's shrink-on-load (1/8, which
 * sharp picks for this resize) still Huffman-decodes every block, so truncated and broken streams fail exactly
 * as they do at full size, but skips most of the inverse DCT and colour conversion. The kernel matters: the
 * default (lanczos3) reduces every row of the shrunk image into the one pixel, so libvips reads the stream to
 * its end; `nearest` would sample a few rows and stop early, missing a truncated tail.
 */
async function decodeEveryJpegBlock(path: string, options: SharpOptions): Promise<void> {
  await sharp(path, options).resize(1, 1, { fit: 'fill', kernel: 'lanczos3' }).raw().toBuffer();
}

function mimeTypeOf(metadata: Metadata): ImageMimeType {
  switch (metadata.format) {
    case 'jpeg':
    case 'png':
    case 'gif':
    case 'webp':
      return `image/${metadata.format}`;
    case 'heif':
      if (metadata.compression === 'av1') return 'image/avif';
  }
  const found = metadata.format === 'heif' ? `HEIF (${metadata.compression})` : metadata.format;
  throw new UnsupportedMediaTypeError(`Only ${ACCEPTED_IMAGE_TYPES_TEXT} images are accepted; the file is ${found}`);
}

/** libvips messages name the failing loader and the problem, never a path we would not want to show. */
function describe(error: Error): string {
  const firstLine = error.message.split('\n')[0];
  return firstLine
    .replace(/"[^"]*"|\/\S+/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
}
