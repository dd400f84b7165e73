/**
 * npm run bench:files: starts the real app (API mode) in its own process and measures, in one run,
 * (a) uploads of distinct 1 MB JPEGs through POST /api/v1/files by BENCH_CONCURRENCY clients, in MB/s, next to the
 *     same bytes written straight into the same store by the app's own storage driver class with as many writers;
 * (b) GET /api/v1/files/:key/raw of one hot file (a 1 MB JPEG, and a thumbnail-sized one), in answers/s with
 *     p50/p99, next to a bare node:http server sending the same bytes with the same headers from memory; once while
 *     the store holds little else, and again after (a) has filled it.
 * Everything listens on 127.0.0.1 and is dropped afterwards. Not part of npm test or CI.
 *
 * Database: see ../common/database.ts (FerretDB on the local PostgreSQL by default). Knobs: BENCH_STORAGE
 * (gridfs, local or s3 on MinIO; default gridfs), BENCH_SECONDS per scenario (10), BENCH_CONCURRENCY (16),
 * BENCH_IMAGES (16 distinct JPEGs; every upload is stamped to be unique, so nothing is deduplicated).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startChildServer, type ChildServer } from '../common/child-server';
import { openDatabase } from '../common/database';
import { load, measure, percentile, type LoadResult } from '../common/load';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { photoLikeJpeg, stampedJpeg } from './images';
import { type BenchStorageKind, openBenchStorage } from './storage';
import { benchAppEnvironment } from '../common/bench-app';

const STORAGE = (process.env.BENCH_STORAGE ?? 'gridfs') as BenchStorageKind;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 16);
const WARM_UP_SECONDS = 2;
const MB = 1e6;
const say = (line: string) => process.stdout.write(`${line}\n`);

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(agent: Agent, url: string, method: string, headers: Record<string, string | number>, body?: Buffer): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = request(url, { agent, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
    req.end(body);
  });
}

/** The request headers and body of an upload of one file. */
function multipart(image: Buffer, filename: string, auth: string): { headers: Record<string, string | number>; body: Buffer } {
  const boundary = `malted-bench-${randomBytes(8).toString('hex')}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), image, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return {
    headers: { authorization: auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
    body,
  };
}

async function generateImages(): Promise<Buffer[]> {
  const started = Date.now();
  const images: Buffer[] = [];
  for (let seed = 1; seed <= IMAGES; seed++) images.push(await photoLikeJpeg(seed));
  const mean = images.reduce((sum, image) => sum + image.length, 0) / images.length;
  say(`  ${IMAGES} distinct 1600x1200 JPEGs of ${(mean / MB).toFixed(2)} MB on average, made in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  return images;
}

interface Row {
  name: string;
  result: LoadResult;
  /** MB/s for the write scenarios, answers/s for the reads. */
  rate: number;
  unit: 'MB/s' | 'answers/s';
  baseline?: Row;
}

async function main(): Promise<void> {
  if (!['gridfs', 'local', 's3'].includes(STORAGE)) throw new Error('BENCH_STORAGE must be gridfs, local or s3');
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = await benchRedisUrl();
  const prefix = `malted-bench:${suffix}`;
  const scratch = mkdtempSync(join(tmpdir(), 'malted-bench-files-'));
  const uploadTmp = join(scratch, 'uploads');
  mkdirSync(uploadTmp);
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(scratch, { recursive: true, force: true })];
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  cleanups.unshift(async () => agent.destroy());
  try {
    const database = await openDatabase(`malted_bench_${suffix}`);
    cleanups.unshift(() => database.dropAndStop(), () => dropRedisKeys(redisUrl, prefix));
    const store = await openBenchStorage(STORAGE, database.uri, scratch);
    cleanups.unshift(() => store.stop());
    const app = await startChildServer(join(__dirname, '..', 'common', 'app-server.ts'), {
      ...benchAppEnvironment(database, redisUrl, prefix),
      UPLOAD_TMP_DIR: uploadTmp,
      ...store.env,
    });
    cleanups.unshift(() => app.stop());
    say(
      `Malted files benchmark on ${database.label}, storage ${store.label}; ` +
        `${cpus().length} CPUs, ${CONCURRENCY} concurrent clients, ${SECONDS}s per scenario`,
    );
    const images = await generateImages();
    const stamp = (n: number) => stampedJpeg(images[n % images.length], `malted-bench ${suffix} ${n}`);

    const username = `bench${suffix}`;
    const registration = Buffer.from(JSON.stringify({ username, email: `${username}@example.com`, password: `bench-${randomBytes(12).toString('hex')}` }));
    const registered = await send(agent, `${app.origin}/api/v1/auth/register`, 'POST', { 'content-type': 'application/json' }, registration);
    if (registered.status !== 201) throw new Error(`registering the bench user failed: ${registered.status} ${registered.body}`);
    const auth = `Bearer ${(JSON.parse(registered.body.toString()) as { token: string }).token}`;
    const upload = (image: Buffer, filename: string) => {
      const { headers, body } = multipart(image, filename, auth);
      return send(agent, `${app.origin}/api/v1/files`, 'POST', headers, body);
    };

    const rows: Row[] = [];
    const record = (row: Row) => {
      rows.push(row);
      say(`  ${row.name}: ${row.rate.toFixed(row.unit === 'MB/s' ? 1 : 0)} ${row.unit}`);
      return row;
    };
    let storedBytes = 0;
    const write = async (name: string, operation: (n: number) => Promise<{ status: number; bytes: number }>, baseline?: Row) => {
      let offset = 0;
      const once = async (seconds: number) => {
        let bytes = 0;
        const result = await measure(CONCURRENCY, seconds, async (n) => {
          const done = await operation(offset + n);
          if (done.status >= 200 && done.status < 300) bytes += done.bytes;
          return done.status;
        });
        offset += result.ok.length + Object.values(result.failed).reduce((a, b) => a + b, 0);
        storedBytes += bytes;
        return { result, bytes };
      };
      await once(WARM_UP_SECONDS);
      const { result, bytes } = await once(SECONDS);
      return record({ name, result, rate: bytes / MB / result.seconds, unit: 'MB/s', baseline });
    };

    // The hot files, and a bare server for each that sends the same bytes with the same headers.
    const thumbnailSized = await photoLikeJpeg(0, 128, 200, 150);
    const hot: { label: string; path: string; bare: ChildServer; floor?: Row }[] = [];
    for (const [label, image] of [
      [`${(images[0].length / MB).toFixed(1)} MB JPEG`, stampedJpeg(images[0], `malted-bench ${suffix} hot`)],
      [`${(thumbnailSized.length / 1000).toFixed(0)} kB JPEG`, thumbnailSized],
    ] as const) {
      const uploaded = await upload(image, 'hot.jpg');
      if (uploaded.status !== 201) throw new Error(`uploading a hot file failed: ${uploaded.status} ${uploaded.body}`);
      const path = `/api/v1/files/${(JSON.parse(uploaded.body.toString()) as { key: string }).key}/raw`;
      const sample = await send(agent, app.origin + path, 'GET', {});
      if (sample.status !== 200 || !sample.body.equals(image)) throw new Error(`GET ${path} answered ${sample.status}`);
      const headers = Object.fromEntries(
        Object.entries(sample.headers).filter(([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name)),
      );
      const bodyFile = join(scratch, `hot-${hot.length}`);
      writeFileSync(bodyFile, sample.body);
      const bare = await startChildServer(join(__dirname, 'bare-server.ts'), { BENCH_BARE_BODY: bodyFile, BENCH_BARE_HEADERS: JSON.stringify(headers) });
      cleanups.unshift(() => bare.stop());
      hot.push({ label, path, bare });
    }
    const get = async (origin: string, path: string, name: string, baseline?: Row) => {
      await load(origin, [path], CONCURRENCY, WARM_UP_SECONDS);
      const result = await load(origin, [path], CONCURRENCY, SECONDS);
      return record({ name, result, rate: result.ok.length / result.seconds, unit: 'answers/s', baseline });
    };
    const getHotFiles = async (when: string) => {
      for (const file of hot) {
        file.floor ??= await get(file.bare.origin, file.path, `bare node:http, ${file.label} from memory`);
        await get(app.origin, file.path, `GET /api/v1/files/:key/raw, ${file.label}, ${when}`, file.floor);
      }
    };

    // (b) first, while the store holds only the hot files.
    await getHotFiles('store nearly empty');

    // (a) The raw writes go first, so that the uploads do not find the store emptier than the baseline did.
    const rawWrite = await write(`raw ${store.driver.constructor.name}.write, ${CONCURRENCY} writers`, async (n) => {
      const bytes = stamp(1_000_000 + n);
      const status = await store.driver.write(`bench-raw-${n}`, Readable.from([bytes]), { contentType: 'image/jpeg' }).then(
        () => 200,
        () => 500,
      );
      return { status, bytes: bytes.length };
    });
    await write(
      `POST /api/v1/files, ${CONCURRENCY} clients`,
      async (n) => {
        const image = stamp(n);
        return { status: (await upload(image, `photo-${n}.jpg`)).status, bytes: image.length };
      },
      rawWrite,
    );

    // (b) again, with everything (a) wrote in the store.
    await getHotFiles(`${(storedBytes / MB).toFixed(0)} MB stored`);

    const ms = (value: number) => (Number.isNaN(value) ? '-' : value < 10 ? value.toFixed(1) : value.toFixed(0));
    say('');
    say('| scenario | rate | done | failed | p50 ms | p99 ms | rate vs baseline |');
    say('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const row of rows) {
      const failed = Object.entries(row.result.failed).map(([status, n]) => `${n}×${status}`).join(', ');
      say(
        `| ${row.name} | ${row.rate.toFixed(row.unit === 'MB/s' ? 1 : 0)} ${row.unit} | ${row.result.ok.length} | ${failed || 0} | ` +
          `${ms(percentile(row.result.ok, 50))} | ${ms(percentile(row.result.ok, 99))} | ` +
          `${row.baseline ? `${((row.rate / row.baseline.rate) * 100).toFixed(1)}% of ${row.baseline.name}` : ''} |`,
      );
    }
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => say(`cleanup failed: ${String(error)}`));
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
