import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { Readable } from 'node:stream';
import { GRIDFS_BUCKET_NAME, GridFsStorage } from '../../src/files/storage/gridfs.storage';
import { mongoUriFor } from '../harness/test-app';
import { behavesLikeAStorageDriver, bytes, type StorageUnderTest } from './storage-contract';

describe('GridFsStorage', () => {
  let connection: Connection;
  let subject: StorageUnderTest;

  beforeAll(async () => {
    connection = await mongoose.createConnection(mongoUriFor(`malted_test_gridfs_${randomBytes(4).toString('hex')}`)).asPromise();
    const db = connection.db!;
    const files = db.collection(`${GRIDFS_BUCKET_NAME}.files`);
    const chunks = db.collection(`${GRIDFS_BUCKET_NAME}.chunks`);
    subject = {
      driver: new GridFsStorage(db),
      footprint: async () => (await files.countDocuments()) + (await chunks.countDocuments()),
    };
  });

  // Every test writes under its own keys, so each may start from an empty bucket: FerretDB reads a chunk by scanning
  // the whole chunks collection, and the megabytes earlier tests left there made every later read slower.
  afterEach(async () => {
    await connection.db!.collection(`${GRIDFS_BUCKET_NAME}.files`).deleteMany({});
    await connection.db!.collection(`${GRIDFS_BUCKET_NAME}.chunks`).deleteMany({});
  });

  afterAll(async () => {
    await connection.dropDatabase();
    await connection.close();
  });

  behavesLikeAStorageDriver(() => subject);

  it('stores the content type with the GridFS file', async () => {
    await subject.driver.write('typed', Readable.from([Buffer.from('GIF89a')]), { contentType: 'image/gif' });
    const file = await connection.db!.collection(`${GRIDFS_BUCKET_NAME}.files`).findOne({ filename: 'typed' });
    expect(file).toMatchObject({ length: 6, metadata: { contentType: 'image/gif' } });
  });

  it('reads a range from its own chunks only, and refuses a file with a chunk missing', async () => {
    const data = Buffer.concat([...bytes(600 * 1024, 'chunks')]); // three chunks of 255 KiB at most
    await subject.driver.write('chunked', Readable.from([data]), { contentType: 'image/jpeg' });
    const file = await connection.db!.collection(`${GRIDFS_BUCKET_NAME}.files`).findOne({ filename: 'chunked' });
    await connection.db!.collection(`${GRIDFS_BUCKET_NAME}.chunks`).deleteOne({ files_id: file!._id, n: 0 });

    const range = { start: 300 * 1024, end: 520 * 1024 - 1 }; // inside chunks 1 and 2
    const chunks: Buffer[] = [];
    for await (const chunk of await subject.driver.read('chunked', range)) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks)).toEqual(data.subarray(range.start, range.end + 1));

    const whole = async () => {
      for await (const _ of await subject.driver.read('chunked')) void _;
    };
    await expect(whole()).rejects.toThrow(/missing or damaged chunk 0/);
  });
});
