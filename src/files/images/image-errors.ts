import { DomainError } from '../../common/errors/domain-errors';

/**
 * Why an image was refused. Domain errors, each with its HTTP status (415, 413, 422); messages are written for the uploader and never contain paths or internals.
 */

/** The content is not one of the accepted image types, whatever its name or declared type says. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
}

/** The image's width x height (or all frames together) exceeds the configured pixel limit. */
export class ImageTooManyPixelsError extends DomainError {
  readonly status = 413;

  constructor(
    readonly pixels: number,
    readonly maxPixels: number,
    detail: string,
  ) {
    super(`The image has ${pixels} pixels (${detail}); at most ${maxPixels} are accepted`);
  }
}

/** The content claims to be an accepted type but cannot be read: truncated, corrupt or empty. */
export class InvalidImageError extends DomainError {
  readonly status = 422;
}

/** The image carries an Exif block in a layout the GPS stripper cannot rewrite safely, so it is refused. */
export class ExifNotStrippableError extends DomainError {
  readonly status = 422;
}
