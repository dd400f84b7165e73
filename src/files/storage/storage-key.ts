import { InvalidStorageKeyError } from './storage.errors';

/**
 * Letters, digits, '.', '_' and '-', starting with a letter or digit: never a path separator, never '.' or
 * '..', never a hidden file (the local driver's temporary files start with '.'), the same on every store.
 */
const STORAGE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function assertValidStorageKey(key: string): void {
  if (typeof key !== 'string' || !STORAGE_KEY.test(key)) throw new InvalidStorageKeyError(String(key));
}
