/**
 * npm run bench:social: seeds a social graph straight into the database (bulk inserts through the app's
 * schemas, see seed.ts): 100k posts (10% of them saves) by 1000 users, one shake of 10k posts, 10k follows of
 * which the viewer's 500. Then it starts the real app in its own process and measures, side by side, page 1 and
 * page 500 of GET /api/v1/shakes/:name/files (the big shake, anonymous) and GET /api/v1/timeline (the viewer,
 * signed in): p50/p99 latency, answers per second and the ratios deep/first. The response cache is off
 * (HTTP_CACHE_ENABLED=false): this measures the database path, not Redis. Page 500's cursor is built from the
 * seeded entries with the app's own encodeCursor (the 4990th entry, where a walk of 499 pages of 10 ends), and
 * the warm-up answers are checked against the seeded data. The scenarios take turns for BENCH_ROUNDS rounds, so
 * a noisy neighbour on a shared machine hurts every scenario alike. Everything listens on 127.0.0.1 and is
 * dropped afterwards. Not part of npm test or CI.
 *
 * Database as in bench/common/database.ts. Knobs: BENCH_POSTS (100000), BENCH_USERS (1000), BENCH_BIG_POSTS
 * (10000), BENCH_FOLLOWS (10000), BENCH_VIEWER_FOLLOWS (500), BENCH_DEEP_PAGE (500), BENCH_SECONDS per scenario
 * and round (10), BENCH_ROUNDS (3), BENCH_CONNECTIONS (2).
 */
import { randomBytes } from 'node:crypto';
import { Agent, get } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import mongoose, { Types } from 'mongoose';
import { type CursorKind, encodeCursor } from '../../src/common/pagination/cursor';
import { type ChildServer, startChildServer } from '../common/child-server';
import { openDatabase } from '../common/database';
import { registerBenchUser } from '../common/http';
import { type LoadResult, measure, percentile } from '../common/load';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { DEEP_PAGE, env, PLAN, type Seeded, type SeededEntry, seedSocialGraph } from './seed';
import { benchAppEnvironment } from '../common/bench-app';
import { runBench } from '../common/run-bench';

const SECONDS = env('BENCH_SECONDS', 10);
const ROUNDS = env('BENCH_ROUNDS', 3);
const CONNECTIONS = env('BENCH_CONNECTIONS', 2);
const LIMIT = 10;
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Scenario {
  stream: string;
  page: number;
  path: string;
  headers?: Record<string, string>;
}

/** The cursor a client holds after walking pages 1..page-1: the position of the last entry it was shown. */
function cursorOfPage(kind: CursorKind, entries: SeededEntry[], page: number): string {
  const last = entries[(page - 1) * LIMIT - 1];
  if (!last) throw new Error(`only ${entries.length} entries: page ${page} does not exist`);
  return encodeCursor(kind, last._id);
}

/** A stream page as the API answers it (only what the benchmark reads). */
interface StreamPage {
  status: number;
  body: { items?: { key: string; savedFrom: string | null }[] };
}

async function getJson(origin: string, path: string, headers: Record<string, string> = {}): Promise<StreamPage> {
  const res = await fetch(origin + path, { headers });
  return { status: res.status, body: (await res.json()) as StreamPage['body'] };
}

/**
 * The constructed cursors land where a walk would: page 500 of the big shake is exact; the timeline's page holds
 * only entries past the cursor (it skips an image already shown at a newer place, so it can reach further).
 */
function checkDeepPage(scenario: Scenario, page: StreamPage, seeded: Seeded): void {
  const keys: string[] = (page.body.items ?? []).map((item: { key: string }) => item.key);
  const timeline = scenario.stream === 'GET /timeline';
  const below = (timeline ? seeded.viewerEntries : seeded.bigEntries).slice((DEEP_PAGE - 1) * LIMIT);
  const ok =
    page.status === 200 &&
    (timeline
      ? keys.length > 0 && keys.every((key) => below.some((entry) => entry.key === key))
      : JSON.stringify(keys) === JSON.stringify(below.slice(0, LIMIT).map((entry) => entry.key)));
  if (!ok)
    throw new Error(
      `${scenario.stream} page ${DEEP_PAGE} is not what a walk would show: ${page.status} ${JSON.stringify(page.body).slice(0, 300)}`,
    );
}

/** GETs one path for `seconds` over `connections` keep-alive connections, with the scenario's headers. */
async function loadScenario(origin: string, scenario: Scenario): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const one = () =>
    new Promise<number>((resolve) => {
      get(origin + scenario.path, { agent, headers: scenario.headers }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      }).once('error', () => resolve(0));
    });
  try {
    return await measure(CONNECTIONS, SECONDS, one);
  } finally {
    agent.destroy();
  }
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = await benchRedisUrl();
  const prefix = `malted-bench:social:${suffix}`;
  const database = await openDatabase(`malted_bench_social_${suffix}`);
  let server: ChildServer | undefined;
  try {
    server = await startChildServer(join(__dirname, 'server.ts'), {
      ...benchAppEnvironment(database, redisUrl, prefix),
      HTTP_CACHE_ENABLED: 'false',
    });
    say(
      `Malted social benchmark: ${PLAN.posts} posts, ${PLAN.users} users, ${PLAN.follows} follows on ${database.label}; ` +
        `${cpus().length} CPUs, ${CONNECTIONS} connections, ${SECONDS}s per scenario and round, ${ROUNDS} rounds, ${LIMIT} files per page`,
    );
    const viewer = await registerBenchUser(server.origin, 'bench_viewer');
    const connection = await mongoose.createConnection(database.uri).asPromise();
    const seeded = await seedSocialGraph(connection, PLAN, new Types.ObjectId(viewer.id));
    await connection.close();
    say(`  seeded ${JSON.stringify(seeded.counts)} in ${seeded.seconds.toFixed(0)}s`);
    say(`  the big shake has ${seeded.bigEntries.length} entries; the viewer's followed shakes ${seeded.viewerEntries.length}`);

    const shakePath = `/api/v1/shakes/${seeded.bigShakeName}/files?limit=${LIMIT}`;
    const signedIn = { authorization: viewer.auth };
    const scenarios: Scenario[] = [
      { stream: 'GET /shakes/:name/files', page: 1, path: shakePath },
      {
        stream: 'GET /shakes/:name/files',
        page: DEEP_PAGE,
        path: `${shakePath}&before=${cursorOfPage('shake-files', seeded.bigEntries, DEEP_PAGE)}`,
      },
      { stream: 'GET /timeline', page: 1, path: `/api/v1/timeline?limit=${LIMIT}`, headers: signedIn },
      {
        stream: 'GET /timeline',
        page: DEEP_PAGE,
        path: `/api/v1/timeline?limit=${LIMIT}&before=${cursorOfPage('timeline', seeded.viewerEntries, DEEP_PAGE)}`,
        headers: signedIn,
      },
      { stream: 'HTTP floor: GET /health/live', page: 0, path: '/health/live' },
    ];

    // Warm-up, not recorded: one request per connection, whose answer is checked.
    const savesOnPage: (number | undefined)[] = [];
    for (const scenario of scenarios) {
      const [warm] = await Promise.all(Array.from({ length: CONNECTIONS }, () => getJson(server!.origin, scenario.path, scenario.headers)));
      if (warm.status !== 200) throw new Error(`${scenario.path}: ${warm.status} ${JSON.stringify(warm.body)}`);
      if (scenario.page === DEEP_PAGE) checkDeepPage(scenario, warm, seeded);
      savesOnPage.push(scenario.page ? (warm.body.items ?? []).filter((item) => item.savedFrom).length : undefined);
    }

    const rounds: LoadResult[][] = scenarios.map(() => []);
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [i, scenario] of scenarios.entries()) {
        const result = await loadScenario(server.origin, scenario);
        rounds[i].push(result);
        say(
          `  round ${round}: ${scenario.stream}${scenario.page ? ` page ${scenario.page}` : ''}: ${result.ok.length} answered, p50 ${percentile(result.ok, 50).toFixed(0)} ms`,
        );
      }
    }

    // All rounds of a scenario together: their latencies, and answers over the time they ran.
    const pooled = rounds.map((results) => ({
      ok: results.flatMap((r) => r.ok).sort((a, b) => a - b),
      failed: results.reduce<Record<number, number>>((all, r) => {
        for (const [status, n] of Object.entries(r.failed)) all[Number(status)] = (all[Number(status)] ?? 0) + n;
        return all;
      }, {}),
      seconds: results.reduce((sum, r) => sum + r.seconds, 0),
    }));
    const rps = (r: LoadResult) => r.ok.length / r.seconds;
    const p50 = (r: LoadResult) => percentile(r.ok, 50);
    const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : value.toFixed(0));
    const failures = (r: LoadResult) =>
      Object.entries(r.failed)
        .map(([status, n]) => `${n}×${status}`)
        .join(', ') || '0';
    say('');
    say('| stream | page | saves on it | p50 ms | p99 ms | answered/s | answered | failed | p50 deep/first | answered/s first/deep |');
    say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    scenarios.forEach((scenario, i) => {
      const result = pooled[i];
      const first = scenario.page === DEEP_PAGE ? pooled[i - 1] : undefined;
      say(
        `| ${scenario.stream} | ${scenario.page || ''} | ${savesOnPage[i] ?? ''} | ${ms(p50(result))} | ${ms(percentile(result.ok, 99))} | ` +
          `${rps(result).toFixed(rps(result) < 10 ? 2 : 1)} | ${result.ok.length} | ${failures(result)} | ` +
          `${first ? `${(p50(result) / p50(first)).toFixed(2)}×` : ''} | ${first ? `${(rps(first) / rps(result)).toFixed(2)}×` : ''} |`,
      );
    });
    say('');
    for (const i of [1, 3]) {
      const ratio = p50(pooled[i]) / p50(pooled[i - 1]);
      const perRound = rounds[i].map((r, round) => (p50(r) / p50(rounds[i - 1][round])).toFixed(2)).join(', ');
      say(
        `${scenarios[i].stream}: page ${DEEP_PAGE} p50 is ${ratio.toFixed(2)}× page 1 (rounds: ${perRound}); ` +
          `${ratio <= 1.5 ? 'within' : 'OVER'} the 1.5× budget`,
      );
    }
  } finally {
    await server?.stop();
    await dropRedisKeys(redisUrl, prefix);
    await database.dropAndStop();
  }
}

runBench(main);
