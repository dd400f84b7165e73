import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import { settleQueues } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { TestContext } from '../harness/test-app';

/**
 * FerretDB applies an update as a read and then a write, so two concurrent $inc of a source's refCount (a save
 * beside a release) can lose one. A count one too low must not purge bytes that a post still holds.
 */
describe('a reference count one too low', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let connection: Connection;
  beforeAll(async () => {
    app = await ctx.startApp();
    connection = app.get(getConnectionToken());
  });
  afterAll(() => ctx.close());

  it('keeps the bytes a saved copy still holds when the original is deleted, and sets the count to what the posts hold', async () => {
    const [owner, saver] = [await ctx.newUser(app), await ctx.newUser(app)];
    const original = await uploadAs(app, owner);
    const copy = (await ctx.http(app).post(`/api/v1/files/${original.key}/save`).set('Authorization', saver.auth).expect(201)).body;
    const bytes = (await ctx.http(app).get(`/api/v1/files/${copy.key}/raw`).buffer(true).expect(200)).body as Buffer;
    const sources = connection.db!.collection('source_files');
    const post = await connection.db!.collection('shared_files').findOne({ key: original.key });
    // The save's $inc lost to a concurrent write: 1 where two posts hold the source.
    await sources.updateOne({ _id: post!.sourceId }, { $set: { refCount: 1 } });

    await ctx.http(app).delete(`/api/v1/files/${original.key}`).set('Authorization', owner.auth).expect(204);
    await settleQueues(app);

    const raw = await ctx.http(app).get(`/api/v1/files/${copy.key}/raw`).buffer(true).expect(200);
    expect(Buffer.compare(raw.body as Buffer, bytes)).toBe(0);
    expect((await sources.findOne({ _id: post!.sourceId }))?.refCount).toBe(1);
  });
});
