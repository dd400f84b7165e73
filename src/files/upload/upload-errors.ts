import { DomainError } from '../../common/errors/domain-errors';

/**
 * Why a multipart upload was refused before its image was looked at. Domain errors: each carries its HTTP status (413, 400).
 */

/** The file passed the configured byte limit; raised while the bytes arrive, not after. */
export class UploadTooLargeError extends DomainError {
  readonly status = 413;

  constructor(readonly maxBytes: number) {
    super(`The file is larger than the limit of ${formatBytes(maxBytes)}`);
  }
}

/** The whole request passed what a file at the limit and its fields can take (a text field that never ends). */
export class UploadBodyTooLargeError extends DomainError {
  readonly status = 413;

  constructor(readonly maxBytes: number) {
    super(`The upload is larger than the limit of ${formatBytes(maxBytes)} for the file and its fields`);
  }
}

/** The request is not a well-formed upload: malformed multipart, unknown or repeated fields, no or several files. */
export class BadMultipartError extends DomainError {
  readonly status = 400;
}

/** The client went away before the upload was complete. */
export class UploadAbortedError extends DomainError {
  readonly status = 400;

  constructor() {
    super('The upload was interrupted before it was complete');
  }
}

function formatBytes(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  if (mib >= 1) return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MB`;
  return `${bytes} bytes`;
}
