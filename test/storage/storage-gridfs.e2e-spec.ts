import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import { Readable } from 'node:stream';
import { GRIDFS_BUCKET_NAME, GridFsStorage } from '../../src/files/storage/gridfs.storage';
import { mongoUriFor } from '../harness/test-app';
import { behavesLikeAStorageDriver, type StorageUnderTest } from './storage-contract';

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
});
