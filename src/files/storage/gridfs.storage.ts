import { mongo } from 'mongoose';
import { Readable, type Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { resolveByteRange } from './byte-range';
import type { ByteRange, StorageDriver } from './storage-driver';
import { StorageObjectNotFoundError } from './storage.errors';
import { assertValidStorageKey } from './storage-key';

/** The GridFS bucket: collections storage.files and storage.chunks. */
export const GRIDFS_BUCKET_NAME = 'storage';

/** Newest first; the same order decides which revision a read sees and which ones a write replaces. */
const NEWEST_FIRST = { uploadDate: -1, _id: -1 } as const;

/**
 * Objects in the application's own MongoDB, as GridFS files (255 KiB chunks) named by their key. Needs no
 * extra infrastructure and serves every pod. Each write is a new GridFS file with a fresh id; its files
 * document, which makes it visible, is inserted only after the last chunk, and older files under the same
 * key are removed after it, so readers see whole objects only. A failed write deletes the chunks it wrote.
 */
export class GridFsStorage implements StorageDriver {
  readonly kind = 'gridfs';
  private readonly bucket: mongo.GridFSBucket;
  private readonly files: mongo.Collection<mongo.GridFSFile>;
  private readonly chunks: mongo.Collection<mongo.GridFSChunk>;

  constructor(db: mongo.Db, bucketName = GRIDFS_BUCKET_NAME) {
    this.bucket = new mongo.GridFSBucket(db, { bucketName });
    this.files = db.collection(`${bucketName}.files`);
    this.chunks = db.collection(`${bucketName}.chunks`);
  }

  async write(key: string, body: Readable, options: { contentType: string }): Promise<void> {
    assertValidStorageKey(key);
    const id = new mongo.ObjectId();
    const upload = this.bucket.openUploadStreamWithId(id, key, { metadata: { contentType: options.contentType } });
    try {
      // Each write is awaited (no pipe) so that when something fails, no chunk insert is still in flight
      // and the clean-up below really removes every chunk.
      for await (const chunk of body) await writeChunk(upload, chunk as Buffer);
      upload.end();
      await finished(upload);
    } catch (error) {
      body.destroy();
      upload.destroy();
      await this.removeFiles([id]);
      throw error;
    }
    const written = upload.gridFSFile!;
    await this.removeFiles(
      await this.idsOf({
        filename: key,
        $or: [{ uploadDate: { $lt: written.uploadDate } }, { uploadDate: written.uploadDate, _id: { $lt: id } }],
      }),
    );
  }

  /**
   * Reads the chunks that hold the bytes asked for, and only those ({files_id, n} between the first and the
   * last: GridFS's own index), from the files document found already; the driver's download stream would look
   * the files document up once more and bound the chunks only from below.
   */
  async read(key: string, range?: ByteRange): Promise<Readable> {
    const file = await this.newest(key);
    if (!file) throw new StorageObjectNotFoundError(key);
    const { start, end } = range ? resolveByteRange(range, file.length) : { start: 0, end: file.length - 1 };
    return Readable.from(file.length === 0 ? [] : this.bytesOf(file, start, end), { objectMode: false });
  }

  private async *bytesOf(file: mongo.GridFSFile, start: number, end: number): AsyncGenerator<Buffer> {
    const size = file.chunkSize;
    const [first, last] = [Math.floor(start / size), Math.floor(end / size)];
    const cursor = this.chunks.find({ files_id: file._id, n: { $gte: first, $lte: last } }, { sort: { n: 1 } });
    try {
      let n = first;
      for await (const chunk of cursor) {
        // Every chunk but the file's last is exactly chunkSize long; anything else is a damaged file.
        const length = Math.min(size, file.length - n * size);
        const data = bufferOf(chunk.data);
        if (chunk.n !== n || data.length !== length) throw new Error(`GridFS file ${file._id} has a missing or damaged chunk ${n}`);
        yield data.subarray(n === first ? start - n * size : 0, n === last ? end - n * size + 1 : length);
        n++;
      }
      if (n !== last + 1) throw new Error(`GridFS file ${file._id} has a missing chunk ${n}`);
    } finally {
      await cursor.close();
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const file = await this.newest(key);
    return file ? { size: file.length } : null;
  }

  async delete(key: string): Promise<void> {
    assertValidStorageKey(key);
    await this.removeFiles(await this.idsOf({ filename: key }));
  }

  private async newest(key: string): Promise<mongo.GridFSFile | null> {
    assertValidStorageKey(key);
    // Served by GridFS's own index { filename: 1, uploadDate: 1 }, created on the first write.
    return this.files.findOne({ filename: key }, { sort: NEWEST_FIRST });
  }

  private async idsOf(filter: mongo.Filter<mongo.GridFSFile>): Promise<mongo.ObjectId[]> {
    const files = await this.files.find(filter, { projection: { _id: 1 } }).toArray();
    return files.map((file) => file._id);
  }

  /** Files documents first, so the objects vanish at once for readers; then their chunks. */
  private async removeFiles(ids: mongo.ObjectId[]): Promise<void> {
    if (ids.length === 0) return;
    await this.files.deleteMany({ _id: { $in: ids } });
    await this.chunks.deleteMany({ files_id: { $in: ids } });
  }
}

/** A chunk's data arrives as a BSON Binary, though the driver's type says Buffer; viewed, not copied. */
function bufferOf(data: unknown): Buffer {
  if (!(data instanceof mongo.Binary)) return data as Buffer;
  return Buffer.from(data.buffer.buffer, data.buffer.byteOffset, data.length());
}

function writeChunk(upload: Writable, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => upload.write(chunk, (error) => (error ? reject(error) : resolve())));
}
