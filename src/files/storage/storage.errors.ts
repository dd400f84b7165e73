/** read() of a key that holds no object. */
export class StorageObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`No stored object under key ${JSON.stringify(key)}`);
    this.name = 'StorageObjectNotFoundError';
  }
}

/** A key that does not have the shape assertValidStorageKey allows (a caller's bug, never user input). */
export class InvalidStorageKeyError extends Error {
  constructor(readonly key: string) {
    super(`Invalid storage key ${JSON.stringify(key.slice(0, 100))}`);
    this.name = 'InvalidStorageKeyError';
  }
}

/** A byte range that starts past the end of the object (HTTP 416), or is malformed. */
export class UnsatisfiableRangeError extends Error {
  constructor(
    readonly range: { start: number; end: number },
    readonly size?: number,
  ) {
    super(`Byte range ${range.start}-${range.end} cannot be served${size === undefined ? '' : ` from ${size} bytes`}`);
    this.name = 'UnsatisfiableRangeError';
  }
}
