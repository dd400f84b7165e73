import { UnsatisfiableRangeError } from './storage.errors';
import type { ByteRange } from './storage-driver';

/** Checks a range's shape; given the object's size, cuts its end there or refuses it if it starts past the end. */
export function resolveByteRange(range: ByteRange, size?: number): ByteRange {
  const { start, end } = range;
  const wellFormed = Number.isSafeInteger(start) && Number.isSafeInteger(end) && start >= 0 && end >= start;
  if (!wellFormed) throw new UnsatisfiableRangeError(range, size);
  if (size === undefined) return { start, end };
  if (start >= size) throw new UnsatisfiableRangeError(range, size);
  return { start, end: Math.min(end, size - 1) };
}
