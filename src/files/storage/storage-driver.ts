import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { StorageDriverKind } from '../../config/environment';

/** The Nest injection token of the configured StorageDriver. */
export const STORAGE_DRIVER = Symbol('STORAGE_DRIVER');

/** Bytes start..end of an object, both inclusive, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where the bytes of stored files live. Keys are opaque names chosen by the caller (a random id or a hash),
 * checked by assertValidStorageKey: 1-200 of A-Z a-z 0-9 . _ - starting with a letter or digit.
 *
 * Every driver behaves the same (test/storage/storage-contract.ts runs one suite against all of them):
 * - an object appears whole or not at all: readers never see a partial write, and a failed write leaves
 *   nothing behind under its key (nor temporary data elsewhere);
 * - writing an existing key replaces the object once the new one is complete;
 * - nothing is buffered whole in memory, in either direction.
 */
export interface StorageDriver {
  readonly kind: StorageDriverKind;

  /**
   * Streams body to key and resolves once the object is durably stored. If body errors (an aborted upload,
   * a size limit) or the store fails, rejects with that error and stores nothing.
   */
  write(key: string, body: Readable, options: { contentType: string }): Promise<void>;

  /**
   * Optional, for drivers that can do better than streaming a local file through write(): stores the file at
   * `path` (left in place) under key, with write()'s guarantees. Callers use storeFile(), which falls back to write().
   */
  writeFile?(key: string, path: string, options: { contentType: string }): Promise<void>;

  /**
   * Streams the object, or the given range of it. A range ending past the object is cut at its last byte;
   * one starting past it throws UnsatisfiableRangeError. Throws StorageObjectNotFoundError if there is no object.
   */
  read(key: string, range?: ByteRange): Promise<Readable>;

  /** The object's size in bytes, or null if there is none. */
  stat(key: string): Promise<{ size: number } | null>;

  /** Removes the object; removing one that does not exist is not an error. */
  delete(key: string): Promise<void>;

  /**
   * Only for drivers whose store can serve clients directly (s3): a URL that GETs the object for a short
   * time, answered with the given Content-Type and Content-Disposition.
   */
  presignedGetUrl?(key: string, options: { expiresInSeconds: number; contentType: string; contentDisposition: string }): Promise<string>;
}

/** Stores the file at `path` under key: by the driver's writeFile where it has one, else streamed through write(). */
export async function storeFile(driver: StorageDriver, key: string, path: string, options: { contentType: string }): Promise<void> {
  if (driver.writeFile) return driver.writeFile(key, path, options);
  const body = createReadStream(path);
  // A write refused before it reads (a bad key) must not leave the file open, nor its open error unheard.
  body.on('error', () => undefined);
  try {
    await driver.write(key, body, options);
  } finally {
    body.destroy();
  }
}
