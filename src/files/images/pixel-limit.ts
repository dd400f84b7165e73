import { ImageTooManyPixelsError } from './image-errors';

/** Throws ImageTooManyPixelsError when width x height x frames exceeds maxPixels. */
export function assertPixelsWithin(width: number, height: number, maxPixels: number, frames = 1): void {
  const pixels = width * height * frames;
  if (pixels > maxPixels) {
    const detail = frames > 1 ? `${width}x${height}, ${frames} frames` : `${width}x${height}`;
    throw new ImageTooManyPixelsError(pixels, maxPixels, detail);
  }
}
