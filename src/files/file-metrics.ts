import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { DomainError, ForbiddenError, InsufficientStorageError, NotFoundError } from '../common/errors/domain-errors';
import { MetricsRegistry } from '../common/metrics/metrics-registry';
import { ExifNotStrippableError, ImageTooManyPixelsError, InvalidImageError, UnsupportedMediaTypeError } from './images/image-errors';
import { UploadQuotaExceededError } from '../users/quota/upload-quota.service';
import { BadMultipartError, UploadAbortedError, UploadTooLargeError } from './upload/upload-errors';

/** Why an upload was refused, as a closed set of label values. */
const REFUSALS: [new (...args: never[]) => Error, string][] = [
  [UploadTooLargeError, 'too_large'],
  [UploadQuotaExceededError, 'over_quota'],
  [ImageTooManyPixelsError, 'too_many_pixels'],
  [UnsupportedMediaTypeError, 'unsupported_type'],
  [InvalidImageError, 'invalid_image'],
  [ExifNotStrippableError, 'exif_not_strippable'],
  [UploadAbortedError, 'aborted'],
  [BadMultipartError, 'bad_multipart'],
  [ForbiddenError, 'forbidden'],
  [NotFoundError, 'no_such_shake'],
  [InsufficientStorageError, 'no_space'],
];

export function refusalReasonOf(error: unknown): string {
  const known = REFUSALS.find(([type]) => error instanceof type);
  if (known) return known[1];
  return error instanceof DomainError ? 'other' : 'error';
}

/** Uploads accepted and refused (by reason), and the bytes of files and thumbnails streamed to clients. */
@Injectable()
export class FileMetrics {
  private readonly accepted: Counter;
  private readonly refused: Counter<'reason'>;
  private readonly served: Counter;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.accepted = new Counter({ name: 'malted_uploads_accepted_total', help: 'Uploads stored as a new post', registers });
    this.refused = new Counter({
      name: 'malted_uploads_refused_total',
      help: 'Uploads refused, by reason (error: an unexpected failure)',
      labelNames: ['reason'],
      registers,
    });
    this.served = new Counter({
      name: 'malted_served_bytes_total',
      help: 'Bytes of files and thumbnails streamed to clients by this process (not those nginx or S3 sent)',
      registers,
    });
  }

  /** Counts the outcome of one upload and passes it on. */
  async upload<T>(upload: Promise<T>): Promise<T> {
    try {
      const result = await upload;
      this.accepted.inc();
      return result;
    } catch (error) {
      this.refused.inc({ reason: refusalReasonOf(error) });
      throw error;
    }
  }

  bytesServed(bytes: number): void {
    this.served.inc(bytes);
  }
}
