/**
 * npm run bench:search: seeds search entries for 100k posts straight into the database (bulk inserts, built by
 * the same code as the index jobs, from a Zipf-distributed corpus), starts the real app in its own process, and
 * measures GET /api/v1/search for one-word, two-word and prefix queries next to a plain indexed equality query
 * (findOne by _id) on the same collection over the same HTTP server. Everything listens on 127.0.0.1 and is
 * dropped afterwards. Not part of npm test or CI.
 *
 * Database: MONGODB_URI if set (a real MongoDB), else FerretDB 1.24 (tools/mongo-test-server) on the local
 * PostgreSQL (BENCH_POSTGRESQL_URL, default postgres://127.0.0.1:5432/postgres), or on SQLite with
 * BENCH_DATABASE=sqlite. Knobs: BENCH_ENTRIES (100000), BENCH_SECONDS per scenario (15), BENCH_CONNECTIONS (2),
 * SEARCH_TIMEOUT_MS (the app's, 5000).
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { entryId } from '../../src/search/database/database-search.service';
import { termsOf } from '../../src/search/text/normalise';
import { startChildServer, type ChildServer } from '../common/child-server';
import { openDatabase } from '../common/database';
import { load, percentile } from '../common/load';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { randomSource } from '../common/random';
import { insertSearchEntries } from '../common/search-entries';
import { corpus } from './corpus';
import { benchAppEnvironment } from '../common/bench-app';
import { runBench } from '../common/run-bench';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2);
const SEARCH_TIMEOUT_MS = process.env.SEARCH_TIMEOUT_MS ?? '5000';
const say = (line: string) => process.stdout.write(`${line}\n`);

/** How many posts contain each whole term and each prefix of 3+ letters that the queries may drive by. */
type KeyCounts = Map<string, number>;

/** Bulk-inserts what the index jobs would have written for `count` posts; keeps samples for the queries. */
async function seed(uri: string, count: number) {
  const connection = await mongoose.createConnection(uri).asPromise();
  const { words, documents } = corpus();
  const keyCounts: KeyCounts = new Map();
  const pairs: string[] = [];
  const ids: string[] = [];
  const started = Date.now();
  await insertSearchEntries(connection, documents(count), (document, fields, n) => {
    for (const key of fields.keys) if (key.startsWith('=') || key.length >= 3) keyCounts.set(key, (keyCounts.get(key) ?? 0) + 1);
    if (n % 199 === 0 && ids.length < 500) ids.push(entryId(document));
    const title = [...new Set(termsOf(document.texts[0]))];
    if (n % 211 === 0 && title.length >= 2 && pairs.length < 200) pairs.push(`${title[0]} ${title[1]}`);
    if (n % 20_000 === 0) say(`  seeding ${n}/${count} entries (${((Date.now() - started) / 1000).toFixed(0)}s)`);
  });
  await connection.close();
  return { words, pairs, ids, keyCounts, seconds: (Date.now() - started) / 1000 };
}

interface Scenario {
  name: string;
  paths: string[];
  /** The key each query's index walk is driven by (see search-plan.ts), to report how much it must read. */
  drivingKeys?: string[];
}

function scenarios(sample: Awaited<ReturnType<typeof seed>>): Scenario[] {
  const random = randomSource(7);
  const pick = <T>(items: T[], n: number) => Array.from({ length: n }, () => items[Math.floor(random() * items.length)]);
  // Words of frequency rank 20-2000 out of 20,000: what people look for is neither the rarest nor the commonest.
  const words = pick(sample.words.slice(20, 2000), 40).map((word) => termsOf(word)[0]);
  const prefixes = pick(sample.words.slice(20, 2000), 40).map((word) => {
    const term = termsOf(word)[0];
    return term.slice(0, Math.max(3, Math.ceil(term.length / 2)));
  });
  const pairs = sample.pairs.slice(0, 40);
  const longest = (pair: string) => pair.split(' ').sort((a, b) => b.length - a.length)[0];
  const search = (q: string) => `/api/v1/search?q=${encodeURIComponent(q)}&limit=20`;
  return [
    { name: 'baseline: findOne by _id', paths: sample.ids.map((id) => `/bench/baseline?id=${encodeURIComponent(id)}`) },
    { name: 'one word', paths: words.map(search), drivingKeys: words.map((w) => `=${w}`) },
    { name: 'two words', paths: pairs.map(search), drivingKeys: pairs.map((p) => `=${longest(p)}`) },
    { name: 'prefix (first half, 3+ letters)', paths: prefixes.map(search), drivingKeys: prefixes },
    { name: 'HTTP floor: /health/live', paths: ['/health/live'] },
  ];
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = await benchRedisUrl();
  const prefix = `malted-bench:${suffix}`;
  const database = await openDatabase(`malted_bench_${suffix}`);
  let server: ChildServer | undefined;
  try {
    server = await startChildServer(join(__dirname, 'server.ts'), {
      ...benchAppEnvironment(database, redisUrl, prefix),
      SEARCH_TIMEOUT_MS,
    });
    say(
      `Malted search benchmark: ${ENTRIES} file entries on ${database.label}; ${cpus().length} CPUs, ` +
        `${CONNECTIONS} connections, ${SECONDS}s per scenario, SEARCH_TIMEOUT_MS=${SEARCH_TIMEOUT_MS}`,
    );
    const sample = await seed(database.uri, ENTRIES);
    say(`  seeded in ${sample.seconds.toFixed(0)}s`);

    const rows = [];
    for (const scenario of scenarios(sample)) {
      await load(server.origin, scenario.paths, CONNECTIONS, 2); // warm-up, not recorded
      const result = await load(server.origin, scenario.paths, CONNECTIONS, SECONDS);
      const shares = (scenario.drivingKeys ?? []).map((key) => (sample.keyCounts.get(key) ?? 0) / ENTRIES).sort((a, b) => a - b);
      rows.push({ scenario, result, medianShare: shares.length ? shares[Math.floor(shares.length / 2)] : undefined });
      say(`  ${scenario.name}: ${result.ok.length} answered`);
    }

    const baseline = rows[0].result;
    const rps = (r: typeof baseline) => r.ok.length / r.seconds;
    const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : value.toFixed(0));
    say('');
    say(
      '| scenario | posts matching the driving key (median) | p50 ms | p99 ms | answered/s | answered | 503 (timed out) | p50 vs baseline | answered/s vs baseline |',
    );
    say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { scenario, result, medianShare } of rows) {
      const other = Object.entries(result.failed)
        .filter(([status]) => status !== '503')
        .map(([status, n]) => `${n}×${status}`);
      say(
        `| ${scenario.name} | ${medianShare === undefined ? '' : `${(medianShare * 100).toFixed(2)}%`} | ` +
          `${ms(percentile(result.ok, 50))} | ${ms(percentile(result.ok, 99))} | ${rps(result).toFixed(1)} | ${result.ok.length} | ` +
          `${result.failed[503] ?? 0}${other.length ? ` (+ ${other.join(', ')})` : ''} | ` +
          `${(percentile(result.ok, 50) / percentile(baseline.ok, 50)).toFixed(2)}× | ${(rps(result) / rps(baseline)).toFixed(2)}× |`,
      );
    }
  } finally {
    await server?.stop();
    await database.dropAndStop();
    await dropRedisKeys(redisUrl, prefix);
  }
}

runBench(main);
