import { CreateBucketCommand, ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { S3Storage } from '../../src/files/storage/s3.storage';
import { S3_TEST_CREDENTIALS, startS3TestServer, type RunningS3TestServer } from '../harness/s3-test-server';
import { behavesLikeAStorageDriver, whole, type StorageUnderTest } from './storage-contract';

describe('S3Storage (against MinIO)', () => {
  let server: RunningS3TestServer;
  let admin: S3Client;
  let driver: S3Storage;
  let subject: StorageUnderTest;
  const bucket = `malted-test-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    server = await startS3TestServer();
    const connection = { region: 'us-east-1', endpoint: server.endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS };
    admin = new S3Client(connection);
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    driver = new S3Storage({ ...connection, bucket });
    subject = {
      driver,
      footprint: async () => {
        const objects = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
        const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
        return (objects.KeyCount ?? 0) + (uploads.Uploads?.length ?? 0);
      },
    };
  });

  afterAll(async () => {
    driver?.close();
    admin?.destroy();
    await server?.stop();
  });

  behavesLikeAStorageDriver(() => subject);

  describe('presigned GET URLs', () => {
    const key = 'presigned-object';
    const data = whole(70_000, key);
    const headers = { contentType: 'image/png', contentDisposition: 'inline; filename="cat.png"' };

    beforeAll(() => driver.write(key, Readable.from([data]), { contentType: 'application/octet-stream' }));

    it('serve the object over plain HTTP with the requested headers', async () => {
      const url = await driver.presignedGetUrl(key, { expiresInSeconds: 60, ...headers });
      expect(url.startsWith(`${server.endpoint}/${bucket}/${key}?`)).toBe(true);
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('content-disposition')).toBe('inline; filename="cat.png"');
      expect(Buffer.from(await response.arrayBuffer())).toEqual(data);
    });

    it('honour Range requests', async () => {
      const url = await driver.presignedGetUrl(key, { expiresInSeconds: 60, ...headers });
      const response = await fetch(url, { headers: { Range: 'bytes=100-199' } });
      expect(response.status).toBe(206);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(data.subarray(100, 200));
    });

    it('stop working when altered or expired', async () => {
      const url = new URL(await driver.presignedGetUrl(key, { expiresInSeconds: 60, ...headers }));
      url.searchParams.set('response-content-type', 'text/html');
      expect((await fetch(url)).status).toBe(403);

      const shortLived = await driver.presignedGetUrl(key, { expiresInSeconds: 1, ...headers });
      await new Promise((r) => setTimeout(r, 2100));
      expect((await fetch(shortLived)).status).toBe(403);
    });

    it('refuse lifetimes S3 does not allow', async () => {
      await expect(driver.presignedGetUrl(key, { expiresInSeconds: 0, ...headers })).rejects.toThrow(RangeError);
      await expect(driver.presignedGetUrl(key, { expiresInSeconds: 8 * 24 * 3600, ...headers })).rejects.toThrow(RangeError);
    });
  });
});
