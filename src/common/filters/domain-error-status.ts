import { HttpStatus } from '@nestjs/common';
import {
  ExifNotStrippableError,
  ImageTooManyPixelsError,
  InvalidImageError,
  UnsupportedMediaTypeError,
} from '../../files/images/image-errors';
import { BadMultipartError, UploadAbortedError, UploadTooLargeError } from '../../files/upload/upload-errors';

type ErrorClass = abstract new (...args: never[]) => Error;

/** The HTTP status of each domain error; their messages are written for the client and are passed on. */
const DOMAIN_ERROR_STATUS: [ErrorClass, HttpStatus][] = [
  [UploadTooLargeError, HttpStatus.PAYLOAD_TOO_LARGE],
  [ImageTooManyPixelsError, HttpStatus.PAYLOAD_TOO_LARGE],
  [UnsupportedMediaTypeError, HttpStatus.UNSUPPORTED_MEDIA_TYPE],
  [InvalidImageError, HttpStatus.UNPROCESSABLE_ENTITY],
  [ExifNotStrippableError, HttpStatus.UNPROCESSABLE_ENTITY],
  [BadMultipartError, HttpStatus.BAD_REQUEST],
  [UploadAbortedError, HttpStatus.BAD_REQUEST],
];

export function domainErrorStatus(error: unknown): HttpStatus | undefined {
  return DOMAIN_ERROR_STATUS.find(([type]) => error instanceof type)?.[1];
}
