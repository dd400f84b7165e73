import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import mongoose from 'mongoose';
import { join } from 'node:path';
import { GridFsStorage } from '../../src/files/storage/gridfs.storage';
import { LocalDiskStorage } from '../../src/files/storage/local-disk.storage';
import { S3Storage } from '../../src/files/storage/s3.storage';
import type { StorageDriver } from '../../src/files/storage/storage-driver';
import { S3_TEST_CREDENTIALS, startS3TestServer } from '../../test/harness/s3-test-server';

export type BenchStorageKind = 'gridfs' | 'local' | 's3';

/** The store the app under test writes to, and the same driver class on the same store for the raw baseline. */
export interface BenchStorage {
  label: string;
  /** Points the app at the store. */
  env: Record<string, string>;
  /** The baseline's own instance of the driver the app uses. */
  driver: StorageDriver;
  stop(): Promise<void>;
}

/**
 * gridfs: the app's database (bucket "storage"); local: a folder under `scratch`; s3: a bucket on MinIO
 * (tools/s3-test-server, built like the tests build it) on 127.0.0.1.
 */
export async function openBenchStorage(kind: BenchStorageKind, databaseUri: string, scratch: string): Promise<BenchStorage> {
  switch (kind) {
    case 'gridfs': {
      const connection = await mongoose.createConnection(databaseUri).asPromise();
      return {
        label: 'GridFS',
        env: { STORAGE_DRIVER: 'gridfs' },
        driver: new GridFsStorage(connection.db!),
        stop: () => connection.close(),
      };
    }
    case 'local': {
      const directory = join(scratch, 'files');
      const driver = await new LocalDiskStorage(directory).init();
      return {
        label: `local disk (${directory})`,
        env: { STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: directory },
        driver,
        stop: async () => undefined,
      };
    }
    case 's3': {
      const server = await startS3TestServer();
      const options = { region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS };
      const admin = new S3Client(options);
      await admin.send(new CreateBucketCommand({ Bucket: 'malted-bench' }));
      admin.destroy();
      const driver = new S3Storage({ ...options, bucket: 'malted-bench' });
      return {
        label: 'S3 on MinIO (tools/s3-test-server)',
        env: {
          STORAGE_DRIVER: 's3',
          S3_BUCKET: 'malted-bench',
          S3_ENDPOINT: server.endpoint,
          S3_FORCE_PATH_STYLE: 'true',
          S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
          S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
        },
        driver,
        stop: async () => {
          driver.close();
          await server.stop();
        },
      };
    }
  }
}
