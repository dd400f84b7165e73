import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidStorageKeyError, StorageObjectNotFoundError, UnsatisfiableRangeError } from '../../src/files/storage/storage.errors';
import { type StorageDriver, storeFile } from '../../src/files/storage/storage-driver';

export interface StorageUnderTest {
  driver: StorageDriver;
  /**
   * How many things the store holds in all: objects and anything a write may leave behind (GridFS chunks,
   * temporary files, unfinished multipart uploads).
   */
  footprint(): Promise<number>;
}

const MiB = 1024 * 1024;
const PIECE = 64 * 1024;

/** size pseudo-random, never repeating bytes from a seed (an AES-CTR key stream), produced PIECE by PIECE. */
export function* bytes(size: number, seed = 'malted'): Generator<Buffer> {
  const key = createHash('sha256').update(seed).digest();
  const stream = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  for (let produced = 0; produced < size; produced += PIECE) {
    yield stream.update(Buffer.alloc(Math.min(PIECE, size - produced)));
  }
}

export function whole(size: number, seed?: string): Buffer {
  return Buffer.concat([...bytes(size, seed)]);
}

async function readAll(stream: Readable): Promise<{ data: Buffer; largestChunk: number }> {
  const chunks: Buffer[] = [];
  let largestChunk = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    largestChunk = Math.max(largestChunk, (chunk as Buffer).length);
  }
  return { data: Buffer.concat(chunks), largestChunk };
}

/** A body that sends `before` bytes, then waits for `gate`, then fails (or ends, if gate resolves to 'end'). */
function interruptedBody(before: number, gate: Promise<'fail' | 'end'>): Readable {
  return Readable.from(
    (async function* () {
      yield* bytes(before);
      if ((await gate) === 'fail') throw new Error('client went away');
    })(),
  );
}

const newKey = () => `k${randomBytes(9).toString('hex')}`;
const JPEG = { contentType: 'image/jpeg' };

/** The behaviour every StorageDriver shares (see storage-driver.ts); call inside a describe. */
export function behavesLikeAStorageDriver(subject: () => StorageUnderTest): void {
  const driver = () => subject().driver;
  const put = (key: string, data: Buffer) => driver().write(key, Readable.from([data]), JPEG);
  const get = async (key: string, range?: { start: number; end: number }) => (await readAll(await driver().read(key, range))).data;

  it('reads back what it wrote, with its size', async () => {
    const key = newKey();
    const data = whole(1000, key);
    await put(key, data);
    expect(await get(key)).toEqual(data);
    expect(await driver().stat(key)).toEqual({ size: 1000 });
  });

  it('stores an empty object', async () => {
    const key = newKey();
    await put(key, Buffer.alloc(0));
    expect(await driver().stat(key)).toEqual({ size: 0 });
    expect(await get(key)).toEqual(Buffer.alloc(0));
  });

  it('reads byte ranges, end inclusive, cutting an end past the object', async () => {
    const key = newKey();
    const data = whole(300 * 1024, key); // more than one GridFS chunk (255 KiB)
    await put(key, data);
    expect(await get(key, { start: 0, end: 0 })).toEqual(data.subarray(0, 1));
    expect(await get(key, { start: 1000, end: 1999 })).toEqual(data.subarray(1000, 2000));
    expect(await get(key, { start: 261000, end: 262000 })).toEqual(data.subarray(261000, 262001));
    expect(await get(key, { start: data.length - 1, end: data.length - 1 })).toEqual(data.subarray(-1));
    expect(await get(key, { start: data.length - 10, end: data.length + 1000 })).toEqual(data.subarray(-10));
  });

  it('refuses a range that starts past the end, or an empty object, or is malformed', async () => {
    const key = newKey();
    await put(key, whole(10));
    await expect(driver().read(key, { start: 10, end: 20 })).rejects.toThrow(UnsatisfiableRangeError);
    await expect(driver().read(key, { start: 5, end: 4 })).rejects.toThrow(UnsatisfiableRangeError);
    const empty = newKey();
    await put(empty, Buffer.alloc(0));
    await expect(driver().read(empty, { start: 0, end: 0 })).rejects.toThrow(UnsatisfiableRangeError);
  });

  it('says when there is no object', async () => {
    const key = newKey();
    expect(await driver().stat(key)).toBeNull();
    await expect(driver().read(key)).rejects.toThrow(StorageObjectNotFoundError);
    await expect(driver().read(key, { start: 0, end: 1 })).rejects.toThrow(StorageObjectNotFoundError);
  });

  it('deletes, and deleting again or deleting nothing is fine', async () => {
    const key = newKey();
    const before = await subject().footprint();
    await put(key, whole(300 * 1024));
    await driver().delete(key);
    expect(await driver().stat(key)).toBeNull();
    await expect(driver().read(key)).rejects.toThrow(StorageObjectNotFoundError);
    await expect(driver().delete(key)).resolves.toBeUndefined();
    await expect(driver().delete(newKey())).resolves.toBeUndefined();
    expect(await subject().footprint()).toBe(before);
  });

  it('replaces an object written again under the same key, keeping only the new one', async () => {
    const [key, other] = [newKey(), newKey()];
    const before = await subject().footprint();
    await put(other, whole(2000, 'second'));
    const oneSmallObject = (await subject().footprint()) - before;

    await put(key, whole(300 * 1024, 'first'));
    await put(key, whole(2000, 'second'));
    expect(await get(key)).toEqual(whole(2000, 'second'));
    expect(await driver().stat(key)).toEqual({ size: 2000 });
    expect(await subject().footprint()).toBe(before + 2 * oneSmallObject);
  });

  it('leaves nothing behind when the body fails midway, and keeps an older object whole', async () => {
    const key = newKey();
    const older = whole(1000, 'older');
    await put(key, older);
    const before = await subject().footprint();

    // 11 MiB first: past two S3 multipart parts and many GridFS chunks, so there is something to clean up.
    const failing = driver().write(key, interruptedBody(11 * MiB, new Promise((r) => setTimeout(() => r('fail'), 300))), JPEG);
    await expect(failing).rejects.toThrow('client went away');

    expect(await subject().footprint()).toBe(before);
    expect(await get(key)).toEqual(older);
    const fresh = newKey();
    await expect(driver().write(fresh, interruptedBody(1000, Promise.resolve('fail')), JPEG)).rejects.toThrow('client went away');
    expect(await driver().stat(fresh)).toBeNull();
    expect(await subject().footprint()).toBe(before);
  });

  it('shows an object only once it is completely written', async () => {
    const key = newKey();
    let release!: (outcome: 'end') => void;
    const writing = driver().write(key, interruptedBody(6 * MiB, new Promise((r) => (release = r))), JPEG);
    await new Promise((r) => setTimeout(r, 300));
    expect(await driver().stat(key)).toBeNull();
    await expect(driver().read(key)).rejects.toThrow(StorageObjectNotFoundError);
    release('end');
    await writing;
    expect(await driver().stat(key)).toEqual({ size: 6 * MiB });
  });

  it('streams a 5 MB object in and out in pieces', async () => {
    const key = newKey();
    const size = 5 * MiB + 12345; // one byte-range past a full S3 part: a two-part multipart upload
    const expected = createHash('sha256');
    for (const piece of bytes(size, key)) expected.update(piece);

    await driver().write(key, Readable.from(bytes(size, key)), JPEG);
    expect(await driver().stat(key)).toEqual({ size });

    const actual = createHash('sha256');
    let length = 0;
    let largestChunk = 0;
    for await (const chunk of await driver().read(key)) {
      actual.update(chunk as Buffer);
      length += (chunk as Buffer).length;
      largestChunk = Math.max(largestChunk, (chunk as Buffer).length);
    }
    expect(length).toBe(size);
    expect(actual.digest('hex')).toBe(expected.digest('hex'));
    expect(largestChunk).toBeLessThanOrEqual(MiB);
    const tail = await get(key, { start: size - 100, end: size - 1 });
    expect(tail).toEqual(whole(size, key).subarray(-100));
  });

  it('frees what a read holds when its stream is destroyed half-way (more reads than any connection pool)', async () => {
    const key = newKey();
    const data = whole(300 * 1024, key);
    await put(key, data);
    for (let n = 0; n < 70; n++) {
      const stream = await driver().read(key, n % 2 ? { start: 1000, end: data.length - 1 } : undefined);
      await new Promise((resolve, reject) => stream.once('data', resolve).once('error', reject));
      stream.destroy();
    }
    expect(await get(key)).toEqual(data);
  }, 120_000);

  describe("storing a file from disk (storeFile: the driver's writeFile, or write)", () => {
    let scratch: string;
    beforeAll(() => {
      scratch = mkdtempSync(join(tmpdir(), 'malted-store-file-'));
    });
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    it('stores the whole file and leaves it in place, replacing an older object', async () => {
      const key = newKey();
      await put(key, whole(1000, 'older'));
      const path = join(scratch, key);
      const data = whole(300 * 1024 + 7, key);
      writeFileSync(path, data, { mode: 0o600 });
      await storeFile(driver(), key, path, JPEG);
      expect(await get(key)).toEqual(data);
      expect(await get(key, { start: 1000, end: 1999 })).toEqual(data.subarray(1000, 2000));
      expect(await driver().stat(key)).toEqual({ size: data.length });
      expect(readFileSync(path)).toEqual(data);
    });

    it('fails for a missing file, storing nothing and keeping an older object', async () => {
      const key = newKey();
      await put(key, whole(10, 'older'));
      const before = await subject().footprint();
      await expect(storeFile(driver(), key, join(scratch, 'missing'), JPEG)).rejects.toThrow(/ENOENT/);
      await expect(storeFile(driver(), newKey(), join(scratch, 'missing'), JPEG)).rejects.toThrow(/ENOENT/);
      expect(await get(key)).toEqual(whole(10, 'older'));
      expect(await subject().footprint()).toBe(before);
      expect(existsSync(join(scratch, 'missing'))).toBe(false);
    });

    it('refuses a key that could escape the store', async () => {
      const path = join(scratch, 'escaping');
      writeFileSync(path, 'x');
      await expect(storeFile(driver(), '../escape', path, JPEG)).rejects.toThrow(InvalidStorageKeyError);
    });
  });

  it.each([
    ['with a parent path', '../escape'],
    ['naming a hidden file', '.hidden'],
    ['with a slash', 'a/b'],
    ['that is empty', ''],
    ['of 201 characters', 'x'.repeat(201)],
  ])('refuses a key %s, everywhere', async (_, key) => {
    const before = await subject().footprint();
    await expect(driver().write(key, Readable.from([Buffer.from('x')]), JPEG)).rejects.toThrow(InvalidStorageKeyError);
    await expect(driver().read(key)).rejects.toThrow(InvalidStorageKeyError);
    await expect(driver().stat(key)).rejects.toThrow(InvalidStorageKeyError);
    await expect(driver().delete(key)).rejects.toThrow(InvalidStorageKeyError);
    expect(await subject().footprint()).toBe(before);
  });
}
