import { writeFileSync } from 'node:fs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { makeAdmin } from '../harness/admins';
import { databaseFingerprint } from '../harness/db-snapshot';
import { settleQueues } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { rawRequest, type RawResponse } from '../harness/raw-http';
import { TestContext, type TestUser } from '../harness/test-app';
import { type FuzzRequest, generateRequests, type Identity, isMutating, type OpenApiDocument, operationsOf } from './request-fuzzer';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 5000);
const CONCURRENCY = 8;
const BATCH = 500;
/** Written on a schedule (the popular ranking every five minutes), not by requests. */
const SCHEDULED_COLLECTIONS = ['popular_snapshots'];

/** What an answer must never show: stack frames, paths, driver and runtime error names. */
const LEAK =
  /\bat .+\.(ts|js):\d+|node_modules|\/work\/|\/home\/|\/tmp\/|Mongo\w*Error|E11000|TypeError|RangeError|URIError|ValidationPipe|"stack"/;

describe('Hostile requests generated from the OpenAPI document', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  const auth: Partial<Record<Identity, string>> = { 'bad-token': `Bearer mlt_${'0'.repeat(43)}` };

  beforeAll(async () => {
    app = await ctx.startApp({
      VIEWS_FOLD_INTERVAL_SECONDS: '3600',
      JOB_RECOVERY_INTERVAL_MS: '3600000',
      // No recovery rounds run here, so no job may go to the outbox on a loaded machine.
      JOB_ENQUEUE_TIMEOUT_MS: '10000',
    });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(() => ctx.close());

  it(`sends ${REQUESTS} malformed and edge-case requests (seed ${SEED}): none answers 5xx, leaks or changes the database`, async () => {
    const [owner, other, admin] = await Promise.all([ctx.newUser(app), ctx.newUser(app), ctx.newUser(app)]);
    await makeAdmin(app, admin.username);
    Object.assign(auth, { owner: owner.auth, other: other.auth, admin: admin.auth });
    const fixtures = await makeFixtures(owner, other, admin);
    await settleQueues(app);

    const doc = (await ctx.http(app).get('/docs-json').expect(200)).body as OpenApiDocument;
    const ops = operationsOf(doc);
    const requests = generateRequests(ops, { pathValues: fixtures }, REQUESTS, SEED);

    const before = await databaseFingerprint(ctx.database, SCHEDULED_COLLECTIONS);
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const perOperation = new Map<string, number>();
    let mutatingSent = 0;
    const started = Date.now();

    for (let at = 0; at < requests.length; at += BATCH) {
      const batch = requests.slice(at, at + BATCH);
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < batch.length) {
            const req = batch[next++]!;
            const problem = await check(req);
            perOperation.set(req.operationId, (perOperation.get(req.operationId) ?? 0) + 1);
            if (isMutating(req)) mutatingSent++;
            if (problem) failures.push(`${problem}: ${req.identity} ${req.method} ${req.path.slice(0, 120)} (${req.defect})`);
          }
        }),
      );
      const now = await databaseFingerprint(ctx.database, SCHEDULED_COLLECTIONS);
      if (JSON.stringify(now) !== JSON.stringify(before)) {
        failures.push(`the database changed during requests ${at}-${at + batch.length}: ${JSON.stringify({ before, now })}`);
        break;
      }
    }
    const seconds = (Date.now() - started) / 1000;

    console.log(
      `fuzz seed ${SEED}: ${requests.length} requests (${mutatingSent} to writing operations) over ${perOperation.size} operations ` +
        `in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}; ` +
        `${failures.length} failures`,
    );
    if (process.env.FUZZ_FAILURES_FILE) writeFileSync(process.env.FUZZ_FAILURES_FILE, failures.join('\n'));
    expect(failures.slice(0, 30)).toEqual([]);
    expect(requests.length).toBeGreaterThanOrEqual(REQUESTS);
    expect([...perOperation.keys()].sort()).toEqual(ops.map((op) => op.operationId).sort());

    // A PATCH refused never stores null: the fixtures still match their documented shapes.
    const shake = await ctx.http(app).get(`/api/v1/shakes/${owner.username}`).expect(200);
    expect(typeof shake.body.title).toBe('string');
    const file = await ctx.http(app).get(`/api/v1/files/${fixtures.key![0]}`).expect(200);
    expect(file.body).toMatchObject({ title: 'fuzzed', description: 'a #fuzz target' });

    async function check(req: FuzzRequest): Promise<string | null> {
      const headers = { ...req.headers, ...(auth[req.identity] ? { authorization: auth[req.identity]! } : {}) };
      let res: RawResponse;
      try {
        res = await rawRequest(app, req.method, req.path, headers, req.body);
      } catch (error) {
        return `no answer (${(error as Error).message})`;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      // oEmbed's specification answers 501 to a format the provider does not serve.
      const oEmbed501 = res.status === 501 && req.path.startsWith('/oembed');
      if (res.status >= 500 && !oEmbed501) return `${res.status} ${res.text.slice(0, 200)}`;
      if (LEAK.test(res.text)) return `internal detail in the body: ${res.text.slice(0, 200)}`;
      if (isMutating(req) && res.status < 400) return `a defective write was accepted (${res.status})`;
      if (res.status >= 400) {
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(res.text) as Record<string, unknown>;
        } catch {
          return `${res.status} without a JSON body: ${res.text.slice(0, 100)}`;
        }
        const keys = Object.keys(body).sort().join(',');
        if (keys !== 'error,message,requestId,statusCode') return `${res.status} with keys ${keys}`;
        if (body.statusCode !== res.status || body.requestId !== res.headers['x-request-id']) return `${res.status} with a mismatched body`;
      }
      return null;
    }
  }, 600_000);

  /** Real values for every path parameter, so that reads reach real documents and writes real targets. */
  async function makeFixtures(owner: TestUser, other: TestUser, admin: TestUser): Promise<Record<string, string[]>> {
    const { key } = await uploadAs(app, owner, { title: 'fuzzed', description: 'a #fuzz target' });
    const group = `fz${owner.username.slice(1, 12)}`;
    await ctx.http(app).post('/api/v1/shakes').set('Authorization', owner.auth).send({ name: group, title: 'Fuzz group' }).expect(201);
    const comment = await ctx
      .http(app)
      .post(`/api/v1/files/${key}/comments`)
      .set('Authorization', other.auth)
      .send({ body: 'hi @' + owner.username })
      .expect(201);
    const token = await ctx.http(app).post('/api/v1/me/tokens').set('Authorization', owner.auth).send({ name: 'spare' }).expect(201);
    const invite = await ctx.http(app).post('/api/v1/admin/invites').set('Authorization', admin.auth).send({}).expect(201);
    await ctx.http(app).put(`/api/v1/shakes/${owner.username}/follow`).set('Authorization', other.auth).expect(204);
    return {
      key: [key],
      name: [owner.username, group],
      username: [owner.username, other.username],
      tag: ['fuzz'],
      id: [String(comment.body.id), String(token.body.id ?? token.body.token?.id), String(invite.body.id)],
    };
  }
});
