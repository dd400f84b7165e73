import { randomBytes } from 'node:crypto';
import { constants, createWriteStream } from 'node:fs';
import { copyFile, mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { resolveByteRange } from './byte-range';
import type { ByteRange, StorageDriver } from './storage-driver';
import { StorageObjectNotFoundError } from './storage.errors';
import { assertValidStorageKey } from './storage-key';

const OBJECT_MODE = 0o640;

const isNotFound = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Objects as files in one directory, for development and single-machine installs. A write goes to a hidden
 * temporary file in the same directory and is renamed over the key once flushed, so readers see whole
 * objects only and a crash leaves at most a '.tmp-*' file, never a partial object.
 */
export class LocalDiskStorage implements StorageDriver {
  readonly kind = 'local';
  readonly directory: string;

  constructor(directory: string) {
    this.directory = resolve(directory);
  }

  /** Creates the directory; call once before use. */
  async init(): Promise<this> {
    await mkdir(this.directory, { recursive: true });
    return this;
  }

  async write(key: string, body: Readable, _options: { contentType: string }): Promise<void> {
    const target = this.pathOf(key);
    const temporary = this.temporaryPath();
    try {
      // flush: fsync before close, so the rename below never exposes a file whose bytes are still in the page cache
      await pipeline(body, createWriteStream(temporary, { flags: 'wx', mode: OBJECT_MODE, flush: true }));
      await rename(temporary, target);
    } catch (error) {
      body.destroy();
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await this.syncDirectory(); // makes the rename itself survive a power loss
  }

  /**
   * The same as write() for a file already on disk, copied by the kernel (copy_file_range, or a reflink where the
   * filesystem has them) instead of through the event loop in 64 KiB pieces.
   */
  async writeFile(key: string, path: string, _options: { contentType: string }): Promise<void> {
    const target = this.pathOf(key);
    const temporary = this.temporaryPath();
    try {
      await copyFile(path, temporary, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
      const copy = await open(temporary, 'r+');
      try {
        await copy.chmod(OBJECT_MODE); // copyFile keeps the source's mode (uploads are 0600)
        await copy.sync();
      } finally {
        await copy.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await this.syncDirectory();
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    const path = this.pathOf(key);
    // Open first: a missing object is an error now, not a stream error later, and a delete meanwhile is harmless.
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw isNotFound(error) ? new StorageObjectNotFoundError(key) : error;
    });
    try {
      if (!range) return handle.createReadStream();
      const { size } = await handle.stat();
      const { start, end } = resolveByteRange(range, size);
      return handle.createReadStream({ start, end });
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const stats = await stat(this.pathOf(key));
      return stats.isFile() ? { size: stats.size } : null;
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await unlink(this.pathOf(key)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  /** The file of a key; the key's shape guarantees it names an entry of the directory itself. */
  private pathOf(key: string): string {
    assertValidStorageKey(key);
    return join(this.directory, key);
  }

  private temporaryPath(): string {
    return join(this.directory, `.tmp-${randomBytes(12).toString('hex')}`);
  }

  private async syncDirectory(): Promise<void> {
    const handle = await open(this.directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}
