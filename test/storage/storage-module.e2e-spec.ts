import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigModule } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import { Test, type TestingModule } from '@nestjs/testing';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GridFsStorage } from '../../src/files/storage/gridfs.storage';
import { LocalDiskStorage } from '../../src/files/storage/local-disk.storage';
import { S3Storage } from '../../src/files/storage/s3.storage';
import { STORAGE_DRIVER, type StorageDriver } from '../../src/files/storage/storage-driver';
import { StorageModule } from '../../src/files/storage/storage.module';
import { S3_TEST_CREDENTIALS, startS3TestServer, type RunningS3TestServer } from '../harness/s3-test-server';
import { TestContext } from '../harness/test-app';

describe('StorageModule', () => {
  const context = new TestContext(__filename);
  const modules: TestingModule[] = [];
  let scratch: string;
  let s3: RunningS3TestServer;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'malted-storage-module-'));
    s3 = await startS3TestServer();
  });

  afterAll(async () => {
    await Promise.all(modules.map((module) => module.close()));
    await context.close();
    await s3?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The driver StorageModule provides for this configuration, in a module wired like the application's. */
  async function driverFor(overrides: Record<string, string>): Promise<StorageDriver> {
    const env = context.environment(overrides);
    const module = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => env] }),
        MongooseModule.forRoot(env.MONGODB_URI),
        StorageModule,
      ],
    }).compile();
    modules.push(module);
    return module.get<StorageDriver>(STORAGE_DRIVER);
  }

  async function roundTrip(driver: StorageDriver): Promise<string> {
    await driver.write('module-check', Readable.from([Buffer.from('through the module')]), { contentType: 'image/png' });
    const chunks: Buffer[] = [];
    for await (const chunk of await driver.read('module-check')) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString();
  }

  it('provides the local driver by default', async () => {
    const driver = await driverFor({});
    expect(driver).toBeInstanceOf(LocalDiskStorage);
    expect((driver as LocalDiskStorage).directory).toBe(context.filesDir); // the test context's own, not ./data/files
    expect(await roundTrip(driver)).toBe('through the module');
  });

  it('provides GridFS in the application database', async () => {
    const driver = await driverFor({ STORAGE_DRIVER: 'gridfs' });
    expect(driver).toBeInstanceOf(GridFsStorage);
    expect(await roundTrip(driver)).toBe('through the module');
  });

  it('provides the local driver on the configured directory, creating it', async () => {
    const directory = join(scratch, 'not-yet', 'files');
    const driver = await driverFor({ STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: directory });
    expect(driver).toBeInstanceOf(LocalDiskStorage);
    expect(existsSync(directory)).toBe(true);
    expect(await roundTrip(driver)).toBe('through the module');
    expect(readdirSync(directory)).toEqual(['module-check']);
  });

  it('provides the S3 driver on the configured bucket and server', async () => {
    const admin = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS });
    await admin.send(new CreateBucketCommand({ Bucket: 'module-bucket' }));
    admin.destroy();
    const driver = await driverFor({
      STORAGE_DRIVER: 's3',
      S3_BUCKET: 'module-bucket',
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    });
    expect(driver).toBeInstanceOf(S3Storage);
    expect(await roundTrip(driver)).toBe('through the module');
    expect(
      await driver.presignedGetUrl!('module-check', { expiresInSeconds: 60, contentType: 'image/png', contentDisposition: 'inline' }),
    ).toContain('/module-bucket/module-check?');
  });
});
