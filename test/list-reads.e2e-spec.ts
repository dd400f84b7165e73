import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { startMongoTestServerOnEmbeddedPostgres } from '../src/dev/mongo-test-server';
import { uploadAs } from './harness/posts';
import { recordReads, type RecordedQuery } from './harness/query-plans';
import { TestContext } from './harness/test-app';

/**
 * How a signed-in file page reads the lists of its viewer state (src/common/database/list-reads.ts): one value
 * at a time where the database pushes that equality down, one $in where it does not. The test database (FerretDB
 * on SQLite, or MONGODB_URI) and FerretDB on an embedded PostgreSQL, npm start's default.
 */
describe('reads by a list of values', () => {
  const ctx = new TestContext(__filename);
  const scratch = mkdtempSync(join(tmpdir(), 'malted-list-reads-'));
  chmodSync(scratch, 0o755); // reachable by the postgres user when the tests run as root
  let onPostgres: { uri: string; stop(): Promise<void> } | undefined;
  afterAll(async () => {
    await ctx.close();
    await onPostgres?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** The reads of shared_files behind one signed-in GET /files/:key (the post, then the viewer's likes and saves). */
  const viewerStateReads = async (app: NestExpressApplication): Promise<RecordedQuery[]> => {
    const [owner, viewer] = [await ctx.newUser(app), await ctx.newUser(app)];
    const { key } = await uploadAs(app, owner);
    const reads = await recordReads(() => ctx.http(app).get(`/api/v1/files/${key}`).set('Authorization', viewer.auth).expect(200));
    // The post itself is read by its key and deletedAt; the viewer state's reads are by share key or save key.
    return reads.filter(
      (read) => read.collection === 'shared_files' && ('saveKey' in read.filter || ('key' in read.filter && !('deletedAt' in read.filter))),
    );
  };
  const isList = (value: unknown) => typeof value === 'object' && value !== null && '$in' in value;

  it('on FerretDB on PostgreSQL, which pushes equality on any field down: one read per share key and per save key', async () => {
    onPostgres = await startMongoTestServerOnEmbeddedPostgres(join(scratch, 'postgres'));
    const app = await ctx.startApp({ MONGODB_URI: `${onPostgres.uri}${ctx.database}` });
    const reads = await viewerStateReads(app);
    expect(reads.some((read) => 'saveKey' in read.filter)).toBe(true);
    for (const read of reads) expect({ read, lists: Object.values(read.filter).some(isList) }).toEqual({ read, lists: false });
  });

  it("on FerretDB on PostgreSQL: the home timeline shows an image saved into two followed shakes once, at its newest place, reading each source's entries by itself", async () => {
    const app = await ctx.startApp({ MONGODB_URI: `${onPostgres!.uri}${ctx.database}` });
    const [alice, bob, reader] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    for (const followed of [alice, bob]) {
      await ctx.http(app).put(`/api/v1/shakes/${followed.username}/follow`).set('Authorization', reader.auth).expect(204);
    }
    const original = await uploadAs(app, alice);
    const other = await uploadAs(app, alice);
    const copy = (await ctx.http(app).post(`/api/v1/files/${original.key}/save`).set('Authorization', bob.auth).expect(201)).body;
    let page: { items: { key: string }[] } = { items: [] };
    const reads = await recordReads(async () => {
      page = (await ctx.http(app).get('/api/v1/timeline').set('Authorization', reader.auth).expect(200)).body;
    });
    expect(page.items.map((item) => item.key)).toEqual([copy.key, other.key]);
    const bySource = reads.filter((read) => read.collection === 'shake_entries' && 'sourceId' in read.filter);
    expect(bySource.length).toBeGreaterThan(0);
    for (const read of bySource) expect({ read, list: isList(read.filter.sourceId) }).toEqual({ read, list: false });
  });

  it('on the test database: one $in of the share keys and save keys unless it pushes that equality down', async () => {
    const app = await ctx.startApp();
    const reads = await viewerStateReads(app);
    expect(reads.some((read) => 'saveKey' in read.filter)).toBe(true);
    for (const read of reads) expect({ read, lists: Object.values(read.filter).some(isList) }).toEqual({ read, lists: true });
  });
});
