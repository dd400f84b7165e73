/**
 * npm run bench:files: starts the real app (API mode) in its own process and measures, in one run,
 * (a) uploads of distinct 1 MB JPEGs through POST /api/v1/files by BENCH_CONCURRENCY clients, in MB/s, next to the
 *     same bytes written straight into the same store by the app's own storage driver class with as many writers;
 * (b) GET of hot files (a 1 MB JPEG and a 16 kB one through /api/v1/files/:key/raw, and the 1 MB one's thumbnail),
 *     in answers/s with p50/p99, next to two baselines for each: a bare node:http server sending the same bytes with
 *     the same headers from memory (the floor of any Node server), and a constant route answering the same bytes
 *     through the same Nest app, middleware, guards and pipes (the framework's ceiling); once while the store holds
 *     little else, and again after (c);
 * (c) the store grown by BENCH_FILL_MB more (default 2000) through the API;
 * (d) with the local or S3 driver, the same GETs through nginx in front of a second app process with
 *     FILE_SERVING=accel (deploy/nginx/malted.conf.template), next to nginx serving the same bytes statically.
 * GETs are loaded by wrk (one thread, a separate C process), uploads by this process. Everything listens on
 * 127.0.0.1 and is dropped afterwards. Not part of npm test or CI.
 *
 * Database: see ../common/database.ts (FerretDB on the local PostgreSQL by default). Knobs: BENCH_STORAGE
 * (local, gridfs or s3 on MinIO; default local, the default driver), BENCH_SECONDS per scenario (10),
 * BENCH_CONCURRENCY (16), BENCH_IMAGES (16 distinct JPEGs; every upload is stamped to be unique, so nothing is
 * deduplicated), BENCH_FILL_MB (2000), BENCH_SEED_POSTS (posts, each with its own source file, put in the database
 * before anything is measured, as a store that grew; 0), BENCH_ONLY=uploads ((a) alone), BENCH_APP_NODE_ARGS
 * (Node.js options of the app process, e.g. '--cpu-prof --cpu-prof-dir=prof'), BENCH_APP_MODE (all; api measures the
 * requests without the jobs they queue). (a) also reports the app process's
 * CPU time per upload (Linux; thumbnails included, the app runs all-in-one), which a machine shared with other
 * work disturbs less than the rates.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { freePort } from '../../src/dev/probes';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { benchAppEnvironment } from '../common/bench-app';
import { cpuMsOf, startChildServer, type ChildServer } from '../common/child-server';
import { openDatabase } from '../common/database';
import { registerBenchUser, send, upload as uploadFile } from '../common/http';
import { measure, percentile } from '../common/load';
import { startBenchNginx } from '../common/nginx';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { wrk, wrkIsAvailable } from '../common/wrk';
import { photoLikeJpeg, stampedJpeg } from './images';
import { seedPosts } from './seed';
import { type BenchStorageKind, openBenchStorage } from './storage';
import { runBench } from '../common/run-bench';

const STORAGE = (process.env.BENCH_STORAGE ?? 'local') as BenchStorageKind;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 16);
const FILL_BYTES = Number(process.env.BENCH_FILL_MB ?? 2000) * 1e6;
const SEED_POSTS = Number(process.env.BENCH_SEED_POSTS ?? 0);
const ONLY_UPLOADS = process.env.BENCH_ONLY === 'uploads';
const APP_NODE_ARGS = process.env.BENCH_APP_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
const WARM_UP_SECONDS = 2;
const MB = 1e6;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function generateImages(): Promise<Buffer[]> {
  const started = Date.now();
  const images: Buffer[] = [];
  for (let seed = 1; seed <= IMAGES; seed++) images.push(await photoLikeJpeg(seed));
  const mean = images.reduce((sum, image) => sum + image.length, 0) / images.length;
  say(
    `  ${IMAGES} distinct 1600x1200 JPEGs of ${(mean / MB).toFixed(2)} MB on average, made in ${((Date.now() - started) / 1000).toFixed(0)}s`,
  );
  return images;
}

interface Row {
  name: string;
  /** MB/s for the write scenarios, answers/s for the reads. */
  rate: number;
  unit: 'MB/s' | 'answers/s';
  done: number;
  failed: number;
  p50: number;
  p99: number;
  baselines: Row[];
  /** The app process's CPU time per upload, all its threads (libvips's too). */
  appCpuMsEach?: number;
}

/** Jobs waiting or running in every queue, read from the app's /metrics (malted_queue_jobs). */
function queueBacklog(metricsUrl: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet(metricsUrl, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.once('end', () => {
        const lines = text.split('\n').filter((line) => /^malted_queue_jobs\{.*state="(waiting|active)"/.test(line));
        resolve(lines.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0));
      });
    }).once('error', reject);
  });
}

/** Headers a response carries that say nothing about the object (hop-by-hop, time of day, per-request ids). */
const VOLATILE = ['date', 'connection', 'keep-alive', 'transfer-encoding', 'x-request-id'];

async function main(): Promise<void> {
  if (!['gridfs', 'local', 's3'].includes(STORAGE)) throw new Error('BENCH_STORAGE must be local, gridfs or s3');
  if (!ONLY_UPLOADS && !wrkIsAvailable()) throw new Error('bench:files loads the GETs with wrk: apt-get install wrk');
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = await benchRedisUrl();
  const prefix = `malted-bench:${suffix}`;
  const scratch = mkdtempSync(join(tmpdir(), 'malted-bench-files-'));
  const uploadTmp = join(scratch, 'uploads');
  const constants = join(scratch, 'constant');
  mkdirSync(uploadTmp);
  mkdirSync(constants);
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(scratch, { recursive: true, force: true })];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  cleanups.unshift(async () => agent.destroy());
  try {
    const database = await openDatabase(`malted_bench_${suffix}`);
    cleanups.unshift(
      () => database.dropAndStop(),
      () => dropRedisKeys(redisUrl, prefix),
    );
    const store = await openBenchStorage(STORAGE, database.uri, scratch);
    cleanups.unshift(() => store.stop());
    const metricsPort = await freePort();
    const app = await startChildServer(
      join(__dirname, 'app-server.ts'),
      {
        ...benchAppEnvironment(database, redisUrl, prefix),
        METRICS_PORT: String(metricsPort),
        // All-in-one, so that thumbnails are made while the benchmark runs (BENCH_APP_MODE=api leaves the jobs queued).
        MALTED_MODE: process.env.BENCH_APP_MODE ?? 'all',
        UPLOAD_TMP_DIR: uploadTmp,
        BENCH_CONSTANT_DIR: constants,
        ...store.env,
      },
      APP_NODE_ARGS,
    );
    cleanups.unshift(() => app.stop());
    // (d) nginx in front of an accel-mode twin of the app (same database, Redis and store).
    const nginx =
      STORAGE === 'gridfs' || ONLY_UPLOADS
        ? undefined
        : await (async () => {
            const twin = await startChildServer(join(__dirname, 'app-server.ts'), {
              ...benchAppEnvironment(database, redisUrl, prefix),
              UPLOAD_TMP_DIR: uploadTmp,
              FILE_SERVING: 'accel',
              ...store.env,
            });
            cleanups.unshift(() => twin.stop());
            const running = await startBenchNginx({
              app: new URL(twin.origin).host,
              storageLocalDir: store.env.STORAGE_LOCAL_DIR,
              s3Endpoint: store.env.S3_ENDPOINT,
              staticRoot: constants,
            });
            cleanups.unshift(() => running.stop());
            return running;
          })();
    say(
      `Malted files benchmark on ${database.label}, storage ${store.label}; ` +
        `${cpus().length} CPUs, ${CONCURRENCY} concurrent clients, ${SECONDS}s per scenario; GETs loaded by wrk`,
    );
    if (SEED_POSTS > 0) {
      const started = Date.now();
      await seedPosts(database.uri, SEED_POSTS);
      say(`  ${SEED_POSTS} posts and their source files stored in ${((Date.now() - started) / 1000).toFixed(0)}s`);
    }
    const images = await generateImages();
    const stamp = (n: number) => stampedJpeg(images[n % images.length], `malted-bench ${suffix} ${n}`);

    const { auth } = await registerBenchUser(app.origin, `bench${suffix}`);
    const upload = (image: Buffer, filename: string) => uploadFile(agent, app.origin, auth, image, filename);

    const rows: Row[] = [];
    const record = (row: Row) => {
      rows.push(row);
      say(
        `  ${row.name}: ${row.rate.toFixed(row.unit === 'MB/s' ? 1 : 0)} ${row.unit}, p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms`,
      );
      return row;
    };
    let storedBytes = 0;
    let uploads = 0;
    const uploadOnce = async () => {
      const n = uploads++;
      const image = stamp(n);
      const status = (await upload(image, `photo-${n}.jpg`)).status;
      if (status === 201) storedBytes += image.length;
      return status;
    };
    const write = async (name: string, operation: () => Promise<number>, bytesOf: () => number, baselines: Row[] = []) => {
      await measure(CONCURRENCY, WARM_UP_SECONDS, operation);
      const before = bytesOf();
      const cpuBefore = cpuMsOf(app.pid);
      const result = await measure(CONCURRENCY, SECONDS, operation);
      const cpuAfter = cpuMsOf(app.pid);
      const failed = Object.values(result.failed).reduce((a, b) => a + b, 0);
      // Only the uploads (the rows with a baseline) are the app's work: the raw writes run in this process.
      const appCpuMsEach =
        baselines.length > 0 && cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / result.ok.length : undefined;
      return record({
        appCpuMsEach,
        name,
        rate: (bytesOf() - before) / MB / result.seconds,
        unit: 'MB/s',
        done: result.ok.length,
        failed,
        p50: percentile(result.ok, 50),
        p99: percentile(result.ok, 99),
        baselines,
      });
    };

    // The hot objects; for each, a bare server and a constant Nest route with the same bytes and headers.
    const thumbnailSized = await photoLikeJpeg(0, 128, 200, 150);
    const big = stampedJpeg(images[0], `malted-bench ${suffix} hot`);
    interface Hot {
      label: string;
      path: string;
      bare: ChildServer;
      constant: string;
      /** Its bytes' file name in the constants folder, which nginx also serves statically. */
      file: string;
      floor?: Row;
      ceiling?: Row;
      nginxStatic?: Row;
    }
    const hot: Hot[] = [];
    const keyOf = async (image: Buffer) => {
      const uploaded = await upload(image, 'hot.jpg');
      if (uploaded.status !== 201) throw new Error(`uploading a hot file failed: ${uploaded.status} ${uploaded.body}`);
      return (JSON.parse(uploaded.body.toString()) as { key: string }).key;
    };
    const bigKey = ONLY_UPLOADS ? '' : await keyOf(big);
    const smallKey = ONLY_UPLOADS ? '' : await keyOf(thumbnailSized);
    const fetchOk = async (path: string) => {
      for (let attempt = 0; attempt < 100; attempt++) {
        const answer = await send(agent, app.origin + path, 'GET', {});
        if (answer.status === 200) return answer;
        if (answer.status !== 202) throw new Error(`GET ${path} answered ${answer.status}`);
        await new Promise((resolve) => setTimeout(resolve, 200)); // a thumbnail still being made
      }
      throw new Error(`GET ${path} never answered 200`);
    };
    for (const [label, path, expected] of ONLY_UPLOADS
      ? []
      : ([
          [`${(big.length / MB).toFixed(1)} MB JPEG`, `/api/v1/files/${bigKey}/raw`, big],
          [`${(thumbnailSized.length / 1000).toFixed(0)} kB JPEG`, `/api/v1/files/${smallKey}/raw`, thumbnailSized],
          ['thumbnail (WebP)', `/api/v1/files/${bigKey}/thumbnail`, undefined],
        ] as const)) {
      const sample = await fetchOk(path);
      if (expected && !sample.body.equals(expected)) throw new Error(`GET ${path} answered other bytes`);
      const headers = Object.fromEntries(Object.entries(sample.headers).filter(([name]) => !VOLATILE.includes(name)) as [string, string][]);
      const name = `hot-${hot.length}`;
      writeFileSync(join(constants, name), sample.body);
      writeFileSync(join(constants, `${name}.json`), JSON.stringify(headers));
      const bare = await startChildServer(join(__dirname, 'bare-server.ts'), {
        BENCH_BARE_BODY: join(constants, name),
        BENCH_BARE_HEADERS: JSON.stringify(headers),
      });
      cleanups.unshift(() => bare.stop());
      hot.push({
        label: `${label}, ${(sample.body.length / 1000).toFixed(0)} kB`,
        path,
        bare,
        constant: `/api/v1/bench/constant/${name}`,
        file: name,
      });
    }
    const get = async (url: string, name: string, baselines: Row[] = []) => {
      await wrk(url, CONCURRENCY, WARM_UP_SECONDS);
      const result = await wrk(url, CONCURRENCY, SECONDS);
      return record({
        name,
        rate: result.rate,
        unit: 'answers/s',
        done: result.done,
        failed: result.failed,
        p50: result.p50,
        p99: result.p99,
        baselines,
      });
    };
    const firstRound: Record<string, Row> = {};
    const getHotFiles = async (when: string) => {
      for (const file of hot) {
        file.floor ??= await get(file.bare.origin + file.path, `bare node:http, ${file.label} from memory`);
        file.ceiling ??= await get(app.origin + file.constant, `constant Nest route, ${file.label}`, [file.floor]);
        const earlier = firstRound[file.path];
        const row = await get(app.origin + file.path, `GET ${file.path.replace(/files\/[^/]+/, 'files/:key')}, ${file.label}, ${when}`, [
          file.ceiling,
          ...(earlier ? [earlier] : []),
        ]);
        firstRound[file.path] ??= row;
        if (!nginx) continue;
        file.nginxStatic ??= await get(`${nginx.staticUrl}/${file.file}`, `nginx static, ${file.label}`);
        const accelPath = `accel:${file.path}`;
        const accelEarlier = firstRound[accelPath];
        const accel = await get(nginx.url + file.path, `nginx + FILE_SERVING=accel, ${file.label}, ${when}`, [
          file.nginxStatic,
          ...(accelEarlier ? [accelEarlier] : []),
        ]);
        firstRound[accelPath] ??= accel;
      }
    };

    // (b) first, while the store holds only the hot files.
    if (!ONLY_UPLOADS) await getHotFiles('store nearly empty');

    // (a) The raw writes go first, so that the uploads do not find the store emptier than the baseline did.
    let rawBytes = 0;
    let rawWrites = 0;
    const rawWrite = await write(
      `raw ${store.driver.constructor.name}.write, ${CONCURRENCY} writers`,
      async () => {
        const n = rawWrites++;
        const bytes = stamp(1_000_000 + n);
        return store.driver.write(`bench-raw-${n}`, Readable.from([bytes]), { contentType: 'image/jpeg' }).then(
          () => {
            rawBytes += bytes.length;
            return 200;
          },
          () => 500,
        );
      },
      () => rawBytes,
    );
    await write(`POST /api/v1/files, ${CONCURRENCY} clients`, uploadOnce, () => storedBytes, [rawWrite]);

    // (c) Grow the store through the API, then (b) again.
    if (!ONLY_UPLOADS) {
      const filling = Date.now();
      while (storedBytes < FILL_BYTES) await measure(CONCURRENCY, 5, uploadOnce);
      say(`  store grown to ${(storedBytes / MB).toFixed(0)} MB of uploads in ${((Date.now() - filling) / 1000).toFixed(0)}s`);
      // The worker of the all-in-one app makes the uploads' variants: let it finish, or round two measures that.
      const draining = Date.now();
      for (let quiet = 0; quiet < 3;) {
        quiet = (await queueBacklog(`http://127.0.0.1:${metricsPort}/metrics`)) === 0 ? quiet + 1 : 0;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      say(`  their jobs done ${((Date.now() - draining) / 1000).toFixed(0)}s later`);
      await getHotFiles(`${(storedBytes / MB).toFixed(0)} MB stored`);
    }

    const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : value.toFixed(0));
    say('');
    say('| scenario | rate | done | failed | p50 ms | p99 ms | rate vs baselines | app CPU ms each |');
    say('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |');
    for (const row of rows) {
      const percent = (ratio: number) => (ratio < 0.1 ? (ratio * 100).toFixed(1) : (ratio * 100).toFixed(0));
      const ratios = row.baselines.map((baseline) => `${percent(row.rate / baseline.rate)}% of ${baseline.name}`).join('; ');
      say(
        `| ${row.name} | ${row.rate.toFixed(row.unit === 'MB/s' ? 1 : 0)} ${row.unit} | ${row.done} | ${row.failed} | ` +
          `${ms(row.p50)} | ${ms(row.p99)} | ${ratios} | ${row.appCpuMsEach === undefined ? '' : row.appCpuMsEach.toFixed(1)} |`,
      );
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => say(`cleanup failed: ${String(error)}`));
  }
}

runBench(main);
