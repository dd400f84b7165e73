import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRIDFS_BUCKET_NAME } from '../../src/files/storage/gridfs.storage';
import { S3_TEST_CREDENTIALS, startS3TestServer } from './s3-test-server';
import { mongoUriFor } from './test-app';

export type StorageBackendKind = 'gridfs' | 'local' | 's3';

/** A real store for the app's files, seen from outside the app. */
export interface StorageBackend {
  kind: StorageBackendKind;
  /** The environment that points the app at this store. */
  env: Record<string, string>;
  /**
   * Everything the store holds: objects, and what a write may leave behind (GridFS chunks, unfinished S3
   * multipart uploads). Compare it before and after; its unit differs between stores.
   */
  footprint(): Promise<number>;
  stop(): Promise<void>;
}

/** GridFS in the test file's own database (the app's default driver). */
async function gridfsBackend(database: string): Promise<StorageBackend> {
  const connection = await mongoose.createConnection(mongoUriFor(database)).asPromise();
  const count = (suffix: 'files' | 'chunks') => connection.collection(`${GRIDFS_BUCKET_NAME}.${suffix}`).countDocuments();
  return {
    kind: 'gridfs',
    env: { STORAGE_DRIVER: 'gridfs' },
    footprint: async () => (await count('files')) + (await count('chunks')),
    stop: () => connection.close(),
  };
}

/** A temporary directory of the local driver; its temporary files (dot files) count too. */
function localBackend(): StorageBackend {
  const directory = mkdtempSync(join(tmpdir(), 'malted-local-files-'));
  return {
    kind: 'local',
    env: { STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: directory },
    footprint: async () => readdirSync(directory).length,
    stop: async () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** A fresh bucket on a MinIO of its own (tools/s3-test-server). */
async function s3Backend(): Promise<StorageBackend> {
  const server = await startS3TestServer();
  const bucket = `malted-${randomBytes(4).toString('hex')}`;
  const admin = new S3Client({ region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    kind: 's3',
    env: {
      STORAGE_DRIVER: 's3',
      S3_BUCKET: bucket,
      S3_ENDPOINT: server.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    },
    footprint: async () => {
      let objects = 0;
      let token: string | undefined;
      do {
        const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        objects += page.KeyCount ?? 0;
        token = page.NextContinuationToken;
      } while (token);
      const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
      return objects + (uploads.Uploads?.length ?? 0);
    },
    stop: async () => {
      admin.destroy();
      await server.stop();
    },
  };
}

export function startStorageBackend(kind: StorageBackendKind, database: string): Promise<StorageBackend> {
  if (kind === 'gridfs') return gridfsBackend(database);
  return kind === 'local' ? Promise.resolve(localBackend()) : s3Backend();
}
