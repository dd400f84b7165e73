import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { png, randomColor } from '../harness/images';
import { S3_TEST_CREDENTIALS, startS3TestServer, type RunningS3TestServer } from '../harness/s3-test-server';
import { eventually } from '../harness/servers';
import { TestContext } from '../harness/test-app';

describe('file serving modes', () => {
  const ctx = new TestContext(__filename);
  let s3: RunningS3TestServer | undefined;
  let local: string | undefined;
  afterAll(async () => {
    await ctx.close();
    await s3?.stop();
    if (local) rmSync(local, { recursive: true, force: true });
  });

  it('accel: hands the bytes to nginx with X-Accel-Redirect, still answering 304 itself', async () => {
    const app = await ctx.startApp({
      FILE_SERVING: 'accel',
      FILE_ACCEL_PREFIX: '/_protected',
      STORAGE_DRIVER: 'local',
      STORAGE_LOCAL_DIR: (local = mkdtempSync(join(tmpdir(), 'malted-serving-modes-'))),
    });
    const user = await ctx.newUser(app);
    const uploaded = await ctx
      .http(app)
      .post('/api/v1/files')
      .set('Authorization', user.auth)
      .attach('file', await png(5, 5, randomColor()), 'a.png')
      .expect(201);
    const res = await ctx.http(app).get(`/api/v1/files/${uploaded.body.key}/raw`).expect(200);
    expect(res.headers['x-accel-redirect']).toMatch(/^\/_protected\/src-[0-9a-f-]{36}$/);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe('0');
    await ctx.http(app).get(`/api/v1/files/${uploaded.body.key}/raw`).set('If-None-Match', res.headers.etag).expect(304);
  });

  it('redirect: stores in S3 and redirects to a presigned URL that serves the bytes', async () => {
    s3 = await startS3TestServer();
    const bucket = `malted-${randomBytes(4).toString('hex')}`;
    const admin = new S3Client({ region: 'us-east-1', endpoint: s3.endpoint, forcePathStyle: true, credentials: S3_TEST_CREDENTIALS });
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    admin.destroy();

    const app = await ctx.startApp({
      STORAGE_DRIVER: 's3',
      FILE_SERVING: 'redirect',
      S3_BUCKET: bucket,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
    });
    const user = await ctx.newUser(app);
    const image = await png(30, 20, randomColor());
    const uploaded = await ctx.http(app).post('/api/v1/files').set('Authorization', user.auth).attach('file', image, 'a.png').expect(201);

    const res = await ctx.http(app).get(`/api/v1/files/${uploaded.body.key}/raw`).expect(302);
    const fetched = await fetch(res.headers.location);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(image)).toBe(true);

    const thumbnail = await eventually(
      () => ctx.http(app).get(`/api/v1/files/${uploaded.body.key}/thumbnail`),
      (r) => r.status === 302,
      20_000,
    );
    expect((await fetch(thumbnail.headers.location)).headers.get('content-type')).toBe('image/webp');
  });
});
