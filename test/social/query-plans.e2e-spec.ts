import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Connection, Types } from 'mongoose';
import { isFerretDb } from '../../src/common/database/ferretdb';
import { settleSocialJobs } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { explainRead, recordReads } from '../harness/query-plans';
import { TestContext, type TestUser } from '../harness/test-app';

/** Every read behind each hot stream must be served by an index, on the first page, a deep one and going back up. */
describe('the queries behind the streams use indexes', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let connection: Connection;
  let reader: TestUser;
  let author: TestUser;
  /** Opted in to NSFW files, which changes the filters of the site streams. */
  let nsfwReader: TestUser;

  beforeAll(async () => {
    // The reads themselves are under test, not the response cache in front of them.
    app = await ctx.startApp({ HTTP_CACHE_ENABLED: 'false' });
    connection = app.get(getConnectionToken());
    [reader, author, nsfwReader] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    await ctx.http(app).patch('/api/v1/me').set('Authorization', nsfwReader.auth).send({ showNsfw: true }).expect(200);
    await ctx.http(app).put(`/api/v1/shakes/${author.username}/follow`).set('Authorization', reader.auth).expect(204);
    for (let i = 0; i < 4; i++) {
      const { key } = await uploadAs(app, author, { description: '#plans' });
      await ctx.http(app).put(`/api/v1/files/${key}/like`).set('Authorization', reader.auth).expect(204);
      await ctx.http(app).post(`/api/v1/files/${key}/comments`).set('Authorization', reader.auth).send({ body: 'hi' }).expect(201);
    }
    await settleSocialJobs(app);
  });
  afterAll(() => ctx.close());

  const ROUTES: [string, () => string, (() => TestUser) | null][] = [
    ['GET /shakes/:name/files', () => `/api/v1/shakes/${author.username}/files`, null],
    ['GET /timeline', () => '/api/v1/timeline', () => reader],
    ['GET /incoming', () => '/api/v1/incoming', null],
    ['GET /users/:username/likes', () => `/api/v1/users/${reader.username}/likes`, null],
    ['GET /magic', () => '/api/v1/magic', null],
    ['GET /tags/:tag', () => '/api/v1/tags/plans', null],
    ['GET /incoming, NSFW shown', () => '/api/v1/incoming', () => nsfwReader],
    ['GET /magic, NSFW shown', () => '/api/v1/magic', () => nsfwReader],
    ['GET /tags/:tag, NSFW shown', () => '/api/v1/tags/plans', () => nsfwReader],
  ];

  it.each(ROUTES)('%s', async (_, path, caller) => {
    const get = (query: Record<string, string | number>) => {
      const req = ctx.http(app).get(path()).query(query);
      return caller ? req.set('Authorization', caller().auth) : req;
    };
    const first = await get({ limit: 2 }).expect(200);
    const deep = first.body.next as string | null;
    const reads = await recordReads(async () => {
      await get({ limit: 2 }).expect(200);
      if (!deep) return;
      const second = await get({ limit: 2, before: deep }).expect(200);
      // Back up from the second page: the same index, read the other way.
      expect((await get({ limit: 2, after: second.body.prev }).expect(200)).body.items).toEqual(first.body.items);
    });
    const onFiles = reads.filter((read) => ['shared_files', 'shake_entries', 'likes', 'follows'].includes(read.collection));
    expect(onFiles.length).toBeGreaterThan(0);
    if (process.env.SHOW_READS) console.log(JSON.stringify(reads.map((r) => [r.collection, r.method, r.filter, r.sort])));
    for (const read of reads) {
      const verdict = await explainRead(connection, read);
      expect({ read, ...verdict }).toEqual({ read, method: verdict.method, usesIndex: true, detail: expect.any(String) });
    }
  });

  it('shows saved copies without a lookup of the posts they were saved from (older copies still get one)', async () => {
    const saver = await ctx.newUser(app);
    const { key } = await uploadAs(app, author);
    const copy = (await ctx.http(app).post(`/api/v1/files/${key}/save`).set('Authorization', saver.auth).expect(201)).body;
    await settleSocialJobs(app); // the jobs' reads are not the page's
    const shakePage = async () => (await ctx.http(app).get(`/api/v1/shakes/${saver.username}/files`).expect(200)).body.items;
    const postReads = async () =>
      (
        await recordReads(async () => expect((await shakePage()).map((file: { savedFrom: string }) => file.savedFrom)).toEqual([key]))
      ).filter((read) => read.collection === 'shared_files');
    expect(await postReads()).toHaveLength(1); // the page's posts, nothing more
    // A copy made before copies carried the key: looked up, so it still shows where it came from.
    await connection.db!.collection('shared_files').updateOne({ key: copy.key }, { $unset: { savedFromKey: '' } });
    expect(await postReads()).toHaveLength(2);
  });

  it('reads the posts of a page and what is shown beside them by _id alone on FerretDB, with one $in on MongoDB', async () => {
    const onFerretDb = await isFerretDb(connection.db!);
    const reads = await recordReads(() => ctx.http(app).get(`/api/v1/shakes/${author.username}/files`).query({ limit: 4 }).expect(200));
    const byId = reads.filter(
      (read) => '_id' in read.filter && ['shared_files', 'source_files', 'users', 'shakes'].includes(read.collection),
    );
    expect(new Set(byId.map((read) => read.collection))).toEqual(new Set(['shared_files', 'source_files', 'users', 'shakes']));
    for (const read of byId) {
      if (onFerretDb)
        expect({ read, keys: Object.keys(read.filter), id: read.filter._id }).toEqual({
          read,
          keys: ['_id'],
          id: expect.any(Types.ObjectId),
        });
      else expect({ read, id: read.filter._id }).toEqual({ read, id: { $in: expect.any(Array) } });
    }
    // FerretDB: the page's four posts, each read once.
    if (onFerretDb) expect(byId.filter((read) => read.collection === 'shared_files')).toHaveLength(4);
  });

  it('can fail: a query on a field without an index is reported as not using one', async () => {
    const verdict = await explainRead(connection, {
      collection: 'shared_files',
      method: 'find',
      filter: { title: 'x' },
      sort: { _id: -1 },
    });
    expect(verdict.usesIndex).toBe(false);
  });
});
