import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import { settleSocialJobs } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { explainRead, recordReads } from '../harness/query-plans';
import { TestContext, type TestUser } from '../harness/test-app';

/** Every read behind each hot stream must be served by an index, on the first page and on a deep one. */
describe('the queries behind the streams use indexes', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let connection: Connection;
  let reader: TestUser;
  let author: TestUser;

  beforeAll(async () => {
    // The reads themselves are under test, not the response cache in front of them.
    app = await ctx.startApp({ HTTP_CACHE_ENABLED: 'false' });
    connection = app.get(getConnectionToken());
    [reader, author] = [await ctx.newUser(app), await ctx.newUser(app)];
    await ctx.http(app).put(`/api/v1/shakes/${author.username}/follow`).set('Authorization', reader.auth).expect(204);
    for (let i = 0; i < 4; i++) {
      const { key } = await uploadAs(app, author, { description: '#plans' });
      await ctx.http(app).put(`/api/v1/files/${key}/like`).set('Authorization', reader.auth).expect(204);
      await ctx.http(app).post(`/api/v1/files/${key}/comments`).set('Authorization', reader.auth).send({ body: 'hi' }).expect(201);
    }
    await settleSocialJobs(app);
  });
  afterAll(() => ctx.close());

  const ROUTES: [string, () => string, boolean][] = [
    ['GET /shakes/:name/files', () => `/api/v1/shakes/${author.username}/files`, false],
    ['GET /timeline', () => '/api/v1/timeline', true],
    ['GET /incoming', () => '/api/v1/incoming', false],
    ['GET /users/:username/likes', () => `/api/v1/users/${reader.username}/likes`, false],
    ['GET /magic', () => '/api/v1/magic', false],
    ['GET /tags/:tag', () => '/api/v1/tags/plans', false],
  ];

  it.each(ROUTES)('%s', async (_, path, signedIn) => {
    const get = (query: Record<string, string | number>) => {
      const req = ctx.http(app).get(path()).query(query);
      return signedIn ? req.set('Authorization', reader.auth) : req;
    };
    const first = await get({ limit: 2 }).expect(200);
    const deep = first.body.next as string | null;
    const reads = await recordReads(async () => {
      await get({ limit: 2 }).expect(200);
      if (deep) await get({ limit: 2, before: deep }).expect(200);
    });
    const onFiles = reads.filter((read) => ['shared_files', 'shake_entries', 'likes', 'follows'].includes(read.collection));
    expect(onFiles.length).toBeGreaterThan(0);
    if (process.env.SHOW_READS) console.log(JSON.stringify(reads.map((r) => [r.collection, r.method, r.filter, r.sort])));
    for (const read of reads) {
      const verdict = await explainRead(connection, read);
      expect({ read, ...verdict }).toEqual({ read, method: verdict.method, usesIndex: true, detail: expect.any(String) });
    }
  });

  it('can fail: a query on a field without an index is reported as not using one', async () => {
    const verdict = await explainRead(connection, { collection: 'shared_files', method: 'find', filter: { title: 'x' }, sort: { _id: -1 } });
    expect(verdict.usesIndex).toBe(false);
  });
});
