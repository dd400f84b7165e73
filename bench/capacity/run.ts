/**
 * npm run bench:capacity: what the newcomer's default (`npm start`: all-in-one, files on the local disk) carries
 * as the store grows. For each size in BENCH_SIZES, on a fresh database each time, it starts the real app in its
 * own process (MALTED_MODE=all, STORAGE_DRIVER=local in a temporary folder, the response cache off with
 * HTTP_CACHE_ENABLED=false: this measures the database path, not Redis), registers the uploader, and seeds that
 * many posts straight into the database: the social graph of bench:social scaled to the size (bench/social/seed.ts;
 * the uploader is its viewer) and one search entry per post, built by the production entryFieldsOf, whose title
 * and description texts also carry those of one document of bench:search's Zipf corpus (bench/search/corpus.ts),
 * so that there are words as rare as the ones people look for. Then it measures, in this order, each for
 * BENCH_SECONDS after a 2 s warm-up that is not recorded:
 * (a) uploads of distinct 1.0 MB JPEGs (stamped, so that none is deduplicated) through POST /api/v1/files by
 *     BENCH_UPLOAD_CLIENTS clients, the worker making their variants meanwhile; then it waits until the jobs they
 *     queued are done, so that they do not load what follows;
 * (b) GET /api/v1/files/:key/raw of one uploaded 16 kB JPEG, loaded by wrk over 16 connections;
 * (c) page 1 of the big shake, GET /api/v1/shakes/:name/files?limit=10, anonymous;
 * (d) one-word searches, GET /api/v1/search?q=<word>&limit=20, of two kinds:
 *     (d1) a typical word: 40 words of frequency rank 20-2000 of the corpus vocabulary, picked as bench:search
 *          picks its one-word queries (each in ~0.16% of posts, so a rare one may match fewer than 20); the
 *          search target is judged on this one;
 *     (d2) a common word: the 12 words of the seeded titles (each in ~16% of posts), the worst case beside it;
 * (e) GET /health/live, the HTTP floor;
 * (c)-(e) over BENCH_CONNECTIONS keep-alive connections. After each size it stops the app and drops the database,
 * the Redis keys and the folder; at the end it prints one table, with the targets at 10,000 posts. Everything
 * listens on 127.0.0.1. Not part of npm test or CI.
 *
 * Database as in bench/common/database.ts. Knobs: BENCH_SIZES (posts, 1000,10000,50000), BENCH_SECONDS per
 * scenario (10), BENCH_UPLOAD_CLIENTS (16), BENCH_CONNECTIONS (2), SEARCH_TIMEOUT_MS (the app's, 5000).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose, { Types } from 'mongoose';
import { fileUrlsOf } from '../../src/files/dto/file.dto';
import type { SearchDocument } from '../../src/search/search-document';
import { termsOf } from '../../src/search/text/normalise';
import { benchAppEnvironment } from '../common/bench-app';
import { type ChildServer, startChildServer } from '../common/child-server';
import { openDatabase } from '../common/database';
import { registerBenchUser, send, upload } from '../common/http';
import { type LoadResult, load, measure, percentile } from '../common/load';
import { waitForIdleQueues } from '../common/queues';
import { randomSource } from '../common/random';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { runBench } from '../common/run-bench';
import { insertSearchEntries } from '../common/search-entries';
import { wrk, wrkIsAvailable, type WrkResult } from '../common/wrk';
import { photoLikeJpeg, stampedJpeg } from '../files/images';
import { corpus } from '../search/corpus';
import { type SeededPost, type SeedPlan, seedSocialGraph, WORDS } from '../social/seed';

const SIZES = (process.env.BENCH_SIZES ?? '1000,10000,50000').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const UPLOAD_CLIENTS = Number(process.env.BENCH_UPLOAD_CLIENTS ?? 16);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 2);
const SEARCH_TIMEOUT_MS = process.env.SEARCH_TIMEOUT_MS ?? '5000';
const WRK_CONNECTIONS = 16;
const WARM_UP_SECONDS = 2;
/** Distinct photos the uploads are stamped from. */
const IMAGES = 4;
/** How long the uploads' jobs may take before the reads are measured anyway. */
const JOBS_TIMEOUT_SECONDS = 600;
const PAGE_LIMIT = 10;
const SEARCH_LIMIT = 20;
const TARGET_POSTS = 10_000;
const TARGETS = { uploadsPerSecond: 20, streamP50Ms: 150, searchP50Ms: 500 };
const MB = 1e6;
const say = (line: string) => process.stdout.write(`${line}\n`);

/** bench:social's graph scaled to `posts`. */
function planFor(posts: number): SeedPlan {
  const viewerFollows = 50;
  return {
    posts,
    users: Math.min(1000, Math.max(100, Math.round(posts / 50))),
    bigPosts: Math.round(posts / 10),
    follows: Math.max(viewerFollows, Math.round(posts / 10)),
    viewerFollows,
    saveShare: 0.1,
  };
}

/**
 * A seeded post as the index job would describe it (search-sources.ts): in its owner's user shake, no likes yet;
 * its title and description texts also carry those of `corpusDocument`, the hit only its own.
 */
function searchDocumentOf(post: SeededPost, corpusDocument: SearchDocument): SearchDocument {
  const owner = post.owner.toLowerCase();
  return {
    kind: 'file',
    id: post._id.toHexString(),
    texts: [
      `${post.title} ${corpusDocument.texts[0]}`,
      post.tags.join(' '),
      '',
      post.owner,
      post.owner,
      `${post.description} ${corpusDocument.texts[5]}`.trim(),
    ],
    filters: { from: owner, in: [owner] },
    original: post.original,
    nsfw: false,
    sourceId: post.sourceId.toHexString(),
    popularity: 0,
    createdAt: post.createdAt,
    hit: {
      key: post.key,
      title: post.title,
      description: post.description,
      altText: '',
      tags: post.tags,
      owner: { username: post.owner },
      shake: post.owner,
      contentType: 'image/jpeg',
      width: 1200,
      height: 900,
      frames: 1,
      likes: 0,
      nsfw: false,
      urls: fileUrlsOf(post.key),
      createdAt: post.createdAt.toISOString(),
    },
  };
}

interface Measured {
  posts: number;
  databaseLabel: string;
  uploads: { perSecond: number; mbPerSecond: number; result: LoadResult };
  raw: WrkResult;
  stream: LoadResult;
  typicalSearch: LoadResult;
  commonSearch: LoadResult;
  floor: LoadResult;
}

const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : value.toFixed(0));
/** "2×500, 1×0", leaving out `except`. */
const failures = (result: LoadResult, except?: number) =>
  Object.entries(result.failed)
    .filter(([status]) => Number(status) !== except)
    .map(([status, n]) => `${n}×${status}`)
    .join(', ');
const latencies = (result: LoadResult) => `p50 ${ms(percentile(result.ok, 50))} ms, p99 ${ms(percentile(result.ok, 99))} ms`;

/** Checks the answer to the first of `paths`, warms them up, then loads them in turn for SECONDS. */
async function loadPage(origin: string, paths: string[], check: (status: number, body: unknown) => void): Promise<LoadResult> {
  const res = await fetch(origin + paths[0]);
  check(res.status, await res.json());
  await load(origin, paths, CONNECTIONS, WARM_UP_SECONDS);
  return load(origin, paths, CONNECTIONS, SECONDS);
}

async function measureSize(posts: number, images: Buffer[], redisUrl: string): Promise<Measured> {
  const suffix = randomBytes(4).toString('hex');
  const prefix = `malted-bench:capacity:${suffix}`;
  const scratch = mkdtempSync(join(tmpdir(), 'malted-bench-capacity-'));
  const agent = new Agent({ keepAlive: true, maxSockets: UPLOAD_CLIENTS });
  const database = await openDatabase(`malted_bench_capacity_${suffix}`);
  let server: ChildServer | undefined;
  try {
    say(`${posts} posts on ${database.label}:`);
    server = await startChildServer(join(__dirname, '..', 'social', 'server.ts'), {
      ...benchAppEnvironment(database, redisUrl, prefix),
      MALTED_MODE: 'all',
      STORAGE_DRIVER: 'local',
      STORAGE_LOCAL_DIR: join(scratch, 'files'),
      DATA_DIR: scratch, // development mail goes to DATA_DIR/mail
      HTTP_CACHE_ENABLED: 'false',
      SEARCH_TIMEOUT_MS,
    });
    const origin = server.origin;
    const uploader = await registerBenchUser(origin, 'bench_uploader');

    const plan = planFor(posts);
    const connection = await mongoose.createConnection(database.uri).asPromise();
    const seeded = await seedSocialGraph(connection, plan, new Types.ObjectId(uploader.id));
    const indexing = Date.now();
    const { words, documents } = corpus();
    const corpusDocuments = documents(seeded.posts.length)[Symbol.iterator]();
    const entries = await insertSearchEntries(
      connection,
      seeded.posts.map((post) => searchDocumentOf(post, corpusDocuments.next().value as SearchDocument)),
    );
    await connection.close();
    say(
      `  seeded ${JSON.stringify(seeded.counts)} in ${seeded.seconds.toFixed(0)}s, ` +
        `${entries} search entries in ${((Date.now() - indexing) / 1000).toFixed(0)}s`,
    );

    // (a) uploads
    let uploads = 0;
    let storedBytes = 0;
    const uploadOnce = async () => {
      const n = uploads++;
      const image = stampedJpeg(images[n % images.length], `malted-bench ${suffix} ${n}`);
      const { status } = await upload(agent, origin, uploader.auth, image, `photo-${n}.jpg`);
      if (status === 201) storedBytes += image.length;
      return status;
    };
    await measure(UPLOAD_CLIENTS, WARM_UP_SECONDS, uploadOnce);
    const bytesBefore = storedBytes;
    const uploaded = await measure(UPLOAD_CLIENTS, SECONDS, uploadOnce);
    const uploadsMeasured = {
      perSecond: uploaded.ok.length / uploaded.seconds,
      mbPerSecond: (storedBytes - bytesBefore) / MB / uploaded.seconds,
      result: uploaded,
    };
    say(
      `  uploads: ${uploadsMeasured.perSecond.toFixed(1)}/s, ${uploadsMeasured.mbPerSecond.toFixed(1)} MB/s, ${latencies(uploaded)}` +
        `${failures(uploaded) ? `, failed ${failures(uploaded)}` : ''}`,
    );

    // (b) one small file, once the uploads' jobs are done
    const small = await photoLikeJpeg(0, 128, 200, 150);
    const posted = await upload(agent, origin, uploader.auth, small, 'small.jpg');
    if (posted.status !== 201) throw new Error(`uploading the small file failed: ${posted.status} ${posted.body.toString()}`);
    const rawUrl = `${origin}/api/v1/files/${(JSON.parse(posted.body.toString()) as { key: string }).key}/raw`;
    const jobs = await waitForIdleQueues(redisUrl, prefix, JOBS_TIMEOUT_SECONDS);
    say(
      jobs.backlog === 0
        ? `  the uploads' jobs done ${jobs.seconds.toFixed(0)}s later`
        : `  ${jobs.backlog} jobs still queued after ${jobs.seconds.toFixed(0)}s: measuring anyway`,
    );
    const sample = await send(agent, rawUrl, 'GET', {});
    if (sample.status !== 200 || !sample.body.equals(small))
      throw new Error(`GET ${rawUrl} answered ${sample.status}, not the uploaded bytes`);
    await wrk(rawUrl, WRK_CONNECTIONS, WARM_UP_SECONDS);
    const raw = await wrk(rawUrl, WRK_CONNECTIONS, SECONDS);
    say(
      `  raw GET of ${(small.length / 1000).toFixed(0)} kB: ${raw.rate.toFixed(0)} answers/s, p50 ${ms(raw.p50)} ms, p99 ${ms(raw.p99)} ms` +
        `${raw.failed ? `, ${raw.failed} failed` : ''}`,
    );

    // (c) the big shake's first page
    const stream = await loadPage(origin, [`/api/v1/shakes/${seeded.bigShakeName}/files?limit=${PAGE_LIMIT}`], (status, body) => {
      const items = (body as { items?: unknown[] }).items;
      if (status !== 200 || items?.length !== PAGE_LIMIT)
        throw new Error(`the big shake's page answered ${status} with ${items?.length} items: ${JSON.stringify(body).slice(0, 300)}`);
    });
    say(`  stream page: ${(stream.ok.length / stream.seconds).toFixed(2)} answered/s, ${latencies(stream)}`);

    // (d) one-word searches: (d1) a typical word, picked as bench/search/run.ts picks its one-word queries
    const random = randomSource(7);
    const typical = words.slice(20, 2000);
    const typicalWords = Array.from({ length: 40 }, () => termsOf(typical[Math.floor(random() * typical.length)])[0]);
    const typicalSearches = typicalWords.map((word) => `/api/v1/search?q=${encodeURIComponent(word)}&limit=${SEARCH_LIMIT}`);
    const typicalSearch = await loadPage(origin, typicalSearches, (status, body) => {
      const items = (body as { items?: unknown[] }).items;
      if (status === 503) say(`  ${typicalSearches[0]} took longer than SEARCH_TIMEOUT_MS (503)`);
      else if (status !== 200 || !Array.isArray(items) || items.length > SEARCH_LIMIT)
        throw new Error(`${typicalSearches[0]} answered ${status} with ${items?.length} items: ${JSON.stringify(body).slice(0, 300)}`);
    });
    say(
      `  one-word search, a typical word: ${(typicalSearch.ok.length / typicalSearch.seconds).toFixed(2)} answered/s, ` +
        `${latencies(typicalSearch)}, 503: ${typicalSearch.failed[503] ?? 0}`,
    );

    // (d2) a common word: the seeded titles' words, each in ~16% of posts
    const commonSearches = WORDS.map((word) => `/api/v1/search?q=${word}&limit=${SEARCH_LIMIT}`);
    const commonSearch = await loadPage(origin, commonSearches, (status, body) => {
      const items = (body as { items?: unknown[] }).items;
      if (status === 503) say(`  ${commonSearches[0]} took longer than SEARCH_TIMEOUT_MS (503)`);
      else if (status !== 200 || items?.length !== SEARCH_LIMIT)
        throw new Error(`${commonSearches[0]} answered ${status} with ${items?.length} items: ${JSON.stringify(body).slice(0, 300)}`);
    });
    say(
      `  one-word search, a common word: ${(commonSearch.ok.length / commonSearch.seconds).toFixed(2)} answered/s, ` +
        `${latencies(commonSearch)}, 503: ${commonSearch.failed[503] ?? 0}`,
    );

    // (e) the HTTP floor
    const floor = await loadPage(origin, ['/health/live'], (status) => {
      if (status !== 200) throw new Error(`/health/live answered ${status}`);
    });
    say(`  GET /health/live: ${(floor.ok.length / floor.seconds).toFixed(0)} answered/s, ${latencies(floor)}`);

    return { posts, databaseLabel: database.label, uploads: uploadsMeasured, raw, stream, typicalSearch, commonSearch, floor };
  } finally {
    agent.destroy();
    await server?.stop();
    await dropRedisKeys(redisUrl, prefix);
    await database.dropAndStop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function printTable(rows: Measured[]): void {
  say('');
  say(
    `Malted capacity, npm start's default (all-in-one, local disk storage) on ${rows[0].databaseLabel}; ${cpus().length} CPUs; ` +
      `${SECONDS}s per scenario; ${UPLOAD_CLIENTS} upload clients, wrk ${WRK_CONNECTIONS} connections, ${CONNECTIONS} for pages and searches; ` +
      `response cache off (HTTP_CACHE_ENABLED=false: the database path, not Redis); SEARCH_TIMEOUT_MS=${SEARCH_TIMEOUT_MS}`,
  );
  say('');
  say(
    '| posts | uploads/s (MB/s, p50) | raw GET 16 kB answers/s (p50 / p99 ms) | stream page p50 / p99 ms | ' +
      'search, a typical word, p50 / p99 ms (503s) | search, a common word, p50 / p99 ms (503s) | GET /health/live answers/s (p50 ms) |',
  );
  say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    const { uploads, raw, stream, typicalSearch, commonSearch, floor } = row;
    const uploadFailures = failures(uploads.result);
    const p = (result: LoadResult, n: number) => ms(percentile(result.ok, n));
    const searchCell = (search: LoadResult) => {
      const others = failures(search, 503);
      return `${p(search, 50)} / ${p(search, 99)} (${search.failed[503] ?? 0})${others ? `, failed ${others}` : ''}`;
    };
    say(
      `| ${row.posts} | ${uploads.perSecond.toFixed(1)} (${uploads.mbPerSecond.toFixed(1)} MB/s, ${p(uploads.result, 50)} ms)` +
        `${uploadFailures ? `, failed ${uploadFailures}` : ''} | ` +
        `${raw.rate.toFixed(0)} (${ms(raw.p50)} / ${ms(raw.p99)})${raw.failed ? `, ${raw.failed} failed` : ''} | ` +
        `${p(stream, 50)} / ${p(stream, 99)}${failures(stream) ? `, failed ${failures(stream)}` : ''} | ` +
        `${searchCell(typicalSearch)} | ${searchCell(commonSearch)} | ` +
        `${(floor.ok.length / floor.seconds).toFixed(0)} (${p(floor, 50)}) |`,
    );
  }
  say(`| target at ${TARGET_POSTS} | ≥ ${TARGETS.uploadsPerSecond} | | p50 ≤ ${TARGETS.streamP50Ms} | p50 ≤ ${TARGETS.searchP50Ms} | | |`);
  say('');
  const atTarget = rows.find((row) => row.posts === TARGET_POSTS);
  if (!atTarget) {
    say(`No verdict on the targets: ${TARGET_POSTS} posts is not among BENCH_SIZES.`);
    return;
  }
  const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');
  const streamP50 = percentile(atTarget.stream.ok, 50);
  const searchP50 = percentile(atTarget.typicalSearch.ok, 50);
  say(`At ${TARGET_POSTS} posts:`);
  say(
    `- uploads ${atTarget.uploads.perSecond.toFixed(1)}/s, target ≥ ${TARGETS.uploadsPerSecond}/s: ` +
      `${verdict(atTarget.uploads.perSecond >= TARGETS.uploadsPerSecond)}`,
  );
  say(`- stream page p50 ${ms(streamP50)} ms, target ≤ ${TARGETS.streamP50Ms} ms: ${verdict(streamP50 <= TARGETS.streamP50Ms)}`);
  say(
    `- one-word search of a typical word p50 ${ms(searchP50)} ms, target ≤ ${TARGETS.searchP50Ms} ms: ${verdict(searchP50 <= TARGETS.searchP50Ms)}`,
  );
}

async function main(): Promise<void> {
  if (SIZES.some((size) => !Number.isInteger(size) || size < 100))
    throw new Error('BENCH_SIZES must be post counts of 100 or more, separated by commas');
  if (!wrkIsAvailable()) throw new Error('bench:capacity loads the raw GET with wrk: apt-get install wrk');
  const redisUrl = await benchRedisUrl();
  say(
    `Malted capacity benchmark: ${SIZES.join(', ')} posts, a fresh database each; ${cpus().length} CPUs, ${SECONDS}s per scenario; ` +
      'response cache off (HTTP_CACHE_ENABLED=false)',
  );
  const images: Buffer[] = [];
  for (let seed = 1; seed <= IMAGES; seed++) images.push(await photoLikeJpeg(seed));
  say(
    `  ${IMAGES} distinct 1600x1200 JPEGs of ${(images.reduce((sum, image) => sum + image.length, 0) / IMAGES / MB).toFixed(2)} MB on average`,
  );

  const rows: Measured[] = [];
  for (const posts of SIZES) rows.push(await measureSize(posts, images, redisUrl));
  printTable(rows);
}

runBench(main);
