import type { Readable } from 'node:stream';
import sharp, { type Sharp } from 'sharp';
import { InvalidImageError } from './image-errors';

/** A resized rendition of an image, e.g. the thumbnail in a grid or the small picture in a timeline. */
export interface VariantSpec {
  name: string;
  width: number;
  /** With `fit: 'cover'` the variant is exactly width x height, cropped; with 'inside' it fits the width. */
  height?: number;
  fit: 'cover' | 'inside';
}

export const THUMBNAIL: VariantSpec = { name: 'thumbnail', width: 200, height: 200, fit: 'cover' };
export const SMALL: VariantSpec = { name: 'small', width: 550, fit: 'inside' };
export const DEFAULT_VARIANTS: readonly VariantSpec[] = [THUMBNAIL, SMALL];

export interface RenderedVariant {
  name: string;
  data: Buffer;
  width: number;
  height: number;
  contentType: 'image/webp';
}

/** Lossy WebP at this quality is about a third smaller than JPEG of the same look, and keeps transparency. */
const WEBP_OPTIONS = { quality: 80, effort: 4 } as const;
const RENDER_TIMEOUT_SECONDS = 60;

/**
 * Renders variants of an image with sharp, from a file path or a readable stream (read once, shared by all
 * variants).
 *
 * Guarantees: the first frame only of an animated GIF/WebP; turned upright from its Exif orientation; every
 * piece of metadata removed (Exif with its GPS, XMP, ICC after conversion to sRGB); never more than
 * `maxPixels` decoded (limitInputPixels), and truncated input refused (InvalidImageError). Output is WebP:
 * smaller than JPEG at the same quality, with an alpha channel for transparent PNG/GIF/WebP sources, and shown
 * by every current browser. The `small` variant is never enlarged; a thumbnail is always exactly its box.
 * An error of the input stream is rethrown as it is (worth a retry); undecodable images give InvalidImageError.
 */
export async function renderVariants(
  input: string | Readable,
  maxPixels: number,
  specs: readonly VariantSpec[] = DEFAULT_VARIANTS,
): Promise<RenderedVariant[]> {
  const options = { failOn: 'error', limitInputPixels: maxPixels, pages: 1, autoOrient: true } as const;
  const source = typeof input === 'string' ? sharp(input, options) : sharp(options);
  const rendered = Promise.all(specs.map((spec) => render(source.clone(), spec)));
  rendered.catch(() => undefined); // it may be abandoned below when the input fails first
  let inputFailed: Promise<never> | undefined;
  if (typeof input !== 'string') {
    inputFailed = new Promise<never>((_, reject) => input.once('error', reject));
    input.pipe(source);
  }
  try {
    return await (inputFailed ? Promise.race([rendered, inputFailed]) : rendered);
  } catch (error) {
    if (typeof input !== 'string') {
      input.destroy();
      source.destroy();
      // A failing source (storage, network) may succeed on a retry: its error is passed on unchanged.
      if (input.errored) throw input.errored;
    }
    throw new InvalidImageError(`The image cannot be resized: ${(error as Error).message.split('\n')[0]}`);
  }
}

async function render(image: Sharp, spec: VariantSpec): Promise<RenderedVariant> {
  const { data, info } = await image
    .resize({
      width: spec.width,
      height: spec.height,
      fit: spec.fit,
      position: 'attention',
      withoutEnlargement: spec.fit === 'inside',
    })
    .webp(WEBP_OPTIONS)
    .timeout({ seconds: RENDER_TIMEOUT_SECONDS })
    .toBuffer({ resolveWithObject: true });
  return { name: spec.name, data, width: info.width, height: info.height, contentType: 'image/webp' };
}
