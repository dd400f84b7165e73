import mongoose from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import sharp from 'sharp';
import { Client, isErrorShape, sleep, type TestAccount } from './client';
import { recordFigure } from './figures';
import { type AppProcess, FaultRig } from './rig';

const IN_FLIGHT = 50;
const SHUTDOWN_DRAIN_MS = 2000;
const SHUTDOWN_TIMEOUT_MS = 15_000;
/** Each in-flight upload sends its body in pieces over this long, so SIGTERM finds every one of them mid-body. */
const BODY_MS = { min: 3000, max: 5000 };
const SIGTERM_AFTER_MS = 1500;
/** Uploads from clients too slow to finish before SHUTDOWN_TIMEOUT_MS: refused with 503 shortly before it. */
const STRAGGLERS = 3;
const STRAGGLER_BODY_MS = 30_000;

interface SlowUpload {
  image: Buffer;
  startedAt: number;
  status: number; // 0: no answer
  body?: { key?: string };
  failure?: string;
  /** Body bytes written when the answer (or the failure) came. */
  sentBytes: number;
  bodyBytes: number;
  answeredAt?: number;
}

/** A distinct PNG of noise, about 120 kB. */
const noisePng = (side = 200) =>
  sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();

/** POST /api/v1/files on a connection of its own, the multipart body written in 20 pieces over `bodyMs`. */
function slowUpload(app: AppProcess, account: TestAccount, image: Buffer, bodyMs: number, track?: SlowUpload[]): Promise<SlowUpload> {
  const boundary = `fault${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="fault.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  const body = Buffer.concat([head, image, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  const upload: SlowUpload = { image, startedAt: Date.now(), status: 0, sentBytes: 0, bodyBytes: body.length };
  track?.push(upload);
  return new Promise((resolve) => {
    let done = false;
    const finish = (failure?: string) => {
      if (done) return;
      done = true;
      upload.failure = failure;
      upload.answeredAt = Date.now();
      resolve(upload);
    };
    const req = request(
      `${app.url}/api/v1/files`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: account.auth,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(body.length),
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          upload.status = res.statusCode ?? 0;
          try {
            upload.body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SlowUpload['body'];
          } catch {
            upload.failure = 'unparsable body';
          }
          finish(upload.failure);
        });
        res.on('error', (error) => finish(`response: ${error.message}`));
      },
    );
    // A refusal mid-body closes the connection while the body is being written: its answer may come just after.
    req.on('error', (error: NodeJS.ErrnoException) => setTimeout(() => finish(error.code ?? error.message), 100));
    req.on('timeout', () => req.destroy(new Error('client timeout')));
    const pieces = 20;
    const size = Math.ceil(body.length / pieces);
    void (async () => {
      for (let offset = 0; offset < body.length && !done; offset += size) {
        const piece = body.subarray(offset, offset + size);
        if (!req.write(piece)) await new Promise((r) => req.once('drain', r));
        upload.sentBytes += piece.length;
        if (bodyMs > 0) await sleep(bodyMs / pieces);
      }
      if (!done) req.end();
    })().catch((error: Error) => finish(`write: ${error.message}`));
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('SIGTERM to an API process with 50 uploads in flight', () => {
  const rig = new FaultRig();
  let target: AppProcess;
  let reader: AppProcess;
  const accounts: TestAccount[] = [];

  beforeAll(async () => {
    await rig.start();
    [target, reader] = await Promise.all([
      rig.startProcess('api', { SHUTDOWN_DRAIN_MS: String(SHUTDOWN_DRAIN_MS), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) }),
      rig.startProcess('api'),
    ]);
    const client = new Client(target.url);
    for (let i = 0; i < 5; i++) accounts.push(await client.register());
  });
  afterAll(() => rig.close());

  it('finishes every upload it took (201) or refuses it before storing a byte, and exits 0 in time leaving no temp file', async () => {
    const images = await Promise.all(Array.from({ length: IN_FLIGHT + 40 }, () => noisePng()));
    const started: SlowUpload[] = [];
    const launchedAt = Date.now();
    const inFlight = images.slice(0, IN_FLIGHT).map(async (image, i) => {
      await sleep((i * 300) / IN_FLIGHT); // all started within 0.3 s
      const bodyMs = BODY_MS.min + Math.random() * (BODY_MS.max - BODY_MS.min);
      return slowUpload(target, accounts[i % accounts.length], image, bodyMs, started);
    });
    const stragglers = images
      .slice(IN_FLIGHT, IN_FLIGHT + STRAGGLERS)
      .map((image, i) => slowUpload(target, accounts[i % accounts.length], image, STRAGGLER_BODY_MS));
    await sleep(SIGTERM_AFTER_MS - (Date.now() - launchedAt));
    const sigtermAt = Date.now();
    target.signal('SIGTERM');
    // Every one of the 50 is mid-body: started, part of its body sent, not all of it.
    expect(
      started
        .filter((u) => u.sentBytes === 0 || u.sentBytes >= u.bodyBytes || u.answeredAt !== undefined)
        .map((u) => `${u.sentBytes}/${u.bodyBytes} ${u.status}`),
    ).toEqual([]);
    expect(started).toHaveLength(IN_FLIGHT);

    // New uploads keep coming while it drains and after it closed: taken whole, or refused before any byte.
    const late: Promise<SlowUpload>[] = [];
    let next = IN_FLIGHT + STRAGGLERS;
    while (target.running && next < images.length) {
      late.push(slowUpload(target, accounts[next % accounts.length], images[next++], 300));
      await sleep(150);
    }
    const exit = await target.exited;
    const exitedAfterMs = exit.at - sigtermAt;
    const uploads = await Promise.all([...inFlight, ...stragglers, ...late]);
    const first = uploads.slice(0, IN_FLIGHT);
    const slow = uploads.slice(IN_FLIGHT, IN_FLIGHT + STRAGGLERS);

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exitedAfterMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    const created = uploads.filter((u) => u.status === 201);
    const refused = uploads.filter((u) => u.status !== 201);
    // A refusal is a connection never taken (or closed) or a clean 503 in the JSON error shape; never another 5xx.
    const unclean = refused.filter(
      (u) =>
        u.status !== 0 &&
        !(
          u.status === 503 && isErrorShape({ label: 'upload', status: u.status, body: u.body, ms: 0, bytes: Buffer.alloc(0), startedAt: 0 })
        ),
    );
    expect(unclean.map((u) => `${u.status} ${JSON.stringify(u.body)} ${u.failure ?? ''}`)).toEqual([]);
    // The stragglers: a clean 503 before the exit, half their body never read.
    expect(slow.map((u) => `${u.status} ${u.failure ?? ''}`)).toEqual(slow.map(() => '503 '));
    expect(slow.filter((u) => u.answeredAt! > exit.at || u.sentBytes >= u.bodyBytes)).toHaveLength(0);
    expect(first.filter((u) => u.status !== 201).map((u) => `${u.status} ${u.failure ?? ''} ${u.sentBytes}/${u.bodyBytes}`)).toEqual([]);

    // No temporary file left, nothing half stored: exactly the created uploads are in the database and the store.
    expect(rig.tempFiles()).toEqual([]);
    const db = await mongoose.createConnection(rig.mongo.uriFor(rig.database)).asPromise();
    let sources: { sha256: string; storageKey: string }[];
    try {
      sources = (await db.collection('source_files').find({}).toArray()) as unknown as typeof sources;
      expect(await db.collection('shared_files').countDocuments()).toBe(created.length);
    } finally {
      await db.close();
    }
    const storedHashes = new Set(sources.map((s) => s.sha256));
    expect(refused.filter((u) => storedHashes.has(sha256(u.image))).map((u) => u.failure)).toEqual([]);
    expect(sources.map((s) => s.sha256).sort()).toEqual(created.map((u) => sha256(u.image)).sort());
    expect(rig.storedFiles().sort()).toEqual(sources.map((s) => s.storageKey).sort());

    // Every created upload, byte-exact, from the other API process.
    const readClient = new Client(reader.url);
    const read = await Promise.all(
      created.map(async (u) => {
        const raw = await readClient.call('raw', 'GET', `/api/v1/files/${u.body!.key}/raw`);
        return raw.status === 200 && raw.bytes.equals(u.image);
      }),
    );
    expect(read.filter((same) => !same)).toHaveLength(0);

    const lateCreated = created.length - first.length;
    const slowMs = slow.map((u) => u.answeredAt! - sigtermAt);
    const failures = new Map<string, number>();
    for (const u of refused) failures.set(u.failure ?? String(u.status), (failures.get(u.failure ?? String(u.status)) ?? 0) + 1);
    const answersMs = first.map((u) => u.answeredAt! - sigtermAt);
    recordFigure({
      order: 6,
      scenario: 'API SIGTERMed with 50 uploads in flight',
      done: `${IN_FLIGHT} uploads (${Math.round(first[0].bodyBytes / 1000)} kB each, bodies sent over ${BODY_MS.min / 1000}-${BODY_MS.max / 1000} s on connections of their own), SIGTERM ${SIGTERM_AFTER_MS / 1000} s in, ${STRAGGLERS} more whose bodies take ${STRAGGLER_BODY_MS / 1000} s, new uploads every 150 ms until the process was gone; SHUTDOWN_DRAIN_MS ${SHUTDOWN_DRAIN_MS}, SHUTDOWN_TIMEOUT_MS ${SHUTDOWN_TIMEOUT_MS}; a second API process reads them back`,
      held: `all ${IN_FLIGHT} in flight answered 201 and byte-exact from the other process; the ${STRAGGLERS} too slow to finish refused with a JSON 503 before the deadline (SHUTDOWN_TIMEOUT_MS − min(5 s, a fifth)), nothing of them stored; later uploads 201 while draining, then refused before any byte was stored (connection refused, or reset once the listener closed); exit code 0 within SHUTDOWN_TIMEOUT_MS; no temporary file, no 5xx but those 503s, nothing stored but the 201s`,
      numbers: `exit 0 after ${(exitedAfterMs / 1000).toFixed(1)} s (the 50 answered ${(Math.min(...answersMs) / 1000).toFixed(1)} to ${(Math.max(...answersMs) / 1000).toFixed(1)} s after SIGTERM); ${created.length} uploads 201 (${lateCreated} of them started after SIGTERM), stragglers refused ${(Math.min(...slowMs) / 1000).toFixed(1)} to ${(Math.max(...slowMs) / 1000).toFixed(1)} s after SIGTERM; ${refused.length} refused in all (${[...failures].map(([why, n]) => `${n} ${why}`).join(', ') || 'none'}); 0 temporary files`,
    });
  });
});
