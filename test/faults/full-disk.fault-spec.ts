import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { eventually } from '../harness/servers';
import { type Answer, Client, isErrorShape, percentile, sleep, type TestAccount } from './client';
import { BALLAST, keepFull, mountTmpfs, unmount } from './disk';
import { recordFigure } from './figures';
import { FaultRig } from './rig';
import { type Post, TrafficLoops } from './traffic';

const TMP_SIZE = '8m';
/** The store's disk: room for everything the run accepts (about 400 kB a source). */
const STORE_SIZE = '256m';
/**
 * Left free on the full temp disk: a small upload (under 1 kB) fits, and no large one (about 400 kB) even when the
 * refused ones' partial files, at most this much in all, are deleted before keepFull takes their room again.
 */
const TMP_LEFT = 128 * 1024;
/** Left free on the full store: no source (about 400 kB) fits, even beside the partial writes just deleted. */
const STORE_LEFT = 128 * 1024;
const FULL_MS = 3000;
const ROOMY_MS = 2000;
/** Generous: on the shared 2-core machine a readiness check (database ping, Redis round trip) has taken 1 s. */
const HEALTHY_WITHIN_MS = 2000;
const THUMBNAILS_WITHIN_MS = 30_000;

/** A PNG of noise (it does not compress): about 3 bytes a pixel, never the same twice. */
function noisePng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

/** Uploads of about 400 kB, one after another in each loop. */
class LargeUploads extends TrafficLoops {
  readonly acknowledged: Post[] = [];
  protected readonly defaultPauseMs = 20;

  constructor(
    private readonly client: Client,
    private readonly accounts: TestAccount[],
  ) {
    super();
  }

  protected async step(turn: number): Promise<void> {
    const owner = this.accounts[turn % this.accounts.length];
    const { answer, image } = await this.client.upload(owner, await noisePng(360), 10_000);
    this.answers.push(answer);
    if (answer.status === 201) this.acknowledged.push({ key: (answer.body as { key: string }).key, owner, image });
  }
}

/** Readiness and a post's metadata, in turn: what must keep answering while a disk is full. */
class HealthReads extends TrafficLoops {
  protected readonly defaultPauseMs = 200;

  constructor(
    private readonly client: Client,
    private readonly post: Post,
  ) {
    super();
  }

  protected async step(turn: number): Promise<void> {
    const [label, path] = turn % 2 === 0 ? ['ready', '/health/ready'] : ['get post', `/api/v1/files/${this.post.key}`];
    this.answers.push(await this.client.call(label, 'GET', path, { timeoutMs: 5000 }));
  }
}

describe('the temp disk, then the store, full during uploads', () => {
  const rig = new FaultRig({ env: { UPLOAD_QUOTA_BYTES_PER_MONTH: String(1024 ** 4) } });
  let client: Client;
  const afterAllDone: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    mountTmpfs(rig.uploadTmpDir, TMP_SIZE);
    mountTmpfs(rig.filesDir, STORE_SIZE);
    await rig.start();
    client = new Client((await rig.startProcess('all', { JOB_RECOVERY_INTERVAL_MS: '1000' })).url);
  });
  afterAll(async () => {
    await Promise.all(afterAllDone.map((stop) => stop()));
    await Promise.all(rig.processes.map((p) => p.kill()));
    unmount(rig.uploadTmpDir);
    unmount(rig.filesDir);
    await rig.close();
  });

  it('answers 507 for what does not fit, keeps nothing of it, stays healthy and takes uploads again once space returns', async () => {
    const accounts: TestAccount[] = [];
    for (let i = 0; i < 3; i++) accounts.push(await client.register());
    const seed = await client.upload(accounts[0]);
    expect(seed.answer.status).toBe(201);
    const seedPost = { key: (seed.answer.body as { key: string }).key, owner: accounts[0], image: seed.image };

    const uploads = new LargeUploads(client, accounts);
    const health = new HealthReads(client, seedPost);
    uploads.start(4);
    health.start(1);
    // Stopped whatever happens: loops left running would keep Jest from ending.
    const stopTraffic = () => Promise.all([uploads.stop(), health.stop()]);
    afterAllDone.push(stopTraffic);
    await sleep(ROOMY_MS);
    const tmpFullAt = Date.now();
    const freeTmp = keepFull(rig.uploadTmpDir, TMP_LEFT);
    await sleep(FULL_MS);
    freeTmp();
    const tmpFreedAt = Date.now();
    await sleep(ROOMY_MS);
    const storeFullAt = Date.now();
    const freeStore = keepFull(rig.filesDir, STORE_LEFT);
    await sleep(FULL_MS);
    freeStore();
    const storeFreedAt = Date.now();
    await sleep(ROOMY_MS);
    await stopTraffic();

    // A small upload fits where a large one did not: the refusal is the disk's, not a switch.
    const freeAgain = keepFull(rig.uploadTmpDir, TMP_LEFT);
    const small = await client.upload(accounts[1]);
    const large = await client.upload(accounts[1], await noisePng(360));
    freeAgain();
    expect([small.answer.status, large.answer.status]).toEqual([201, 507]);
    const smallPost = { key: (small.answer.body as { key: string }).key, owner: accounts[1], image: small.image };
    const acknowledged = [seedPost, ...uploads.acknowledged, smallPost];

    const end = (a: Answer) => a.startedAt + a.ms;
    const within = (from: number, to: number) => (a: Answer) => a.startedAt >= from && end(a) <= to;
    const roomy = (a: Answer) => end(a) < tmpFullAt || (a.startedAt > tmpFreedAt && end(a) < storeFullAt) || a.startedAt > storeFreedAt;
    const describe = (a: Answer) =>
      `${a.label} ${a.status} in ${a.ms} ms at ${a.startedAt - tmpFullAt} ms ${a.failure ?? ''} ${JSON.stringify(a.body)}`;
    const answers = uploads.answers;
    // Every upload answered 201 or a JSON 507, and 201 whenever there was room.
    expect(answers.filter((a) => a.status !== 201 && !(a.status === 507 && isErrorShape(a))).map(describe)).toEqual([]);
    expect(answers.filter((a) => roomy(a) && a.status !== 201).map(describe)).toEqual([]);
    // Full from when the uploads already under way at the fill are done: until then one that ends frees its temp
    // file, which a new upload may take before keepFull does.
    const settled = (fullAt: number) => Math.max(fullAt, ...answers.filter((a) => a.startedAt < fullAt).map(end)) + 100;
    const tmpFull = answers.filter(within(settled(tmpFullAt), tmpFreedAt));
    const storeFull = answers.filter(within(settled(storeFullAt), storeFreedAt));
    for (const full of [tmpFull, storeFull]) {
      expect(full.length).toBeGreaterThanOrEqual(2);
      expect(full.filter((a) => a.status !== 507).map(describe)).toEqual([]);
    }
    expect(answers.filter((a) => a.startedAt > storeFreedAt).length).toBeGreaterThanOrEqual(3);

    // The app stayed healthy: readiness and reads answered 200, quickly, while the disks were full.
    expect(health.answers.filter((a) => a.status !== 200 || a.ms >= HEALTHY_WITHIN_MS).map(describe)).toEqual([]);
    expect(health.answers.filter(within(tmpFullAt, storeFreedAt)).length).toBeGreaterThan(10);

    // Every acknowledged upload is whole and gets its thumbnail; nothing of a refused one was kept.
    for (const post of acknowledged) {
      const raw = await client.call('get raw', 'GET', `/r/${post.key}`);
      expect([post.key, raw.status, raw.bytes.equals(post.image)]).toEqual([post.key, 200, true]);
    }
    const startedWaiting = Date.now();
    await eventually(
      async () => {
        const statuses = await Promise.all(acknowledged.map((post) => client.call('thumbnail', 'HEAD', `/t/${post.key}`)));
        return statuses.filter((a) => a.status !== 200).length;
      },
      (missing) => missing === 0,
      THUMBNAILS_WITHIN_MS,
    );
    const thumbnailsAfterMs = Date.now() - startedWaiting;
    expect(rig.tempFiles()).toEqual([]);
    const stored = rig.storedFiles().filter((name) => name !== BALLAST);
    expect(stored.filter((name) => name.startsWith('.tmp-'))).toEqual([]);

    const db = await mongoose.createConnection(rig.mongo.uriFor(rig.database)).asPromise();
    let sourceCount: number;
    try {
      const posts = await db.collection('shared_files').find({}).toArray();
      const sources = await db.collection('source_files').find({}).toArray();
      const variants = await db.collection('file_variants').find({}).toArray();
      const usage = await db.collection('upload_usage').find({}).toArray();
      sourceCount = sources.length;
      expect(posts.map((p) => p.key as string).sort()).toEqual(acknowledged.map((p) => p.key).sort());
      // One source per post (every image was new), each with its bytes, each stored object with its source.
      expect(sources.length).toBe(posts.length);
      const keys = new Set(sources.map((s) => s.storageKey as string));
      expect(sources.filter((s) => !stored.includes(s.storageKey as string)).map((s) => s.storageKey as string)).toEqual([]);
      expect(stored.filter((name) => !keys.has(name.replace(/-(thumbnail|small)$/, '')))).toEqual([]);
      const sourceIds = new Set(sources.map((s) => String(s._id)));
      expect(variants.filter((v) => !sourceIds.has(String(v.sourceId))).map((v) => String(v.sourceId))).toEqual([]);
      // The quota counts the acknowledged uploads alone: every refused one gave its reservation back.
      expect(usage.reduce((sum, row) => sum + (row.bytes as number), 0)).toBe(acknowledged.reduce((sum, p) => sum + p.image.length, 0));
    } finally {
      await db.close();
    }

    const ms = answers.map((a) => a.ms);
    const refusedMs = answers.filter((a) => a.status === 507).map((a) => a.ms);
    const healthMs = health.answers.map((a) => a.ms);
    recordFigure({
      order: 7,
      scenario: 'Temp disk, then store, full',
      done: `4 clients uploading ~400 kB PNGs; the ${TMP_SIZE} tmpfs of UPLOAD_TMP_DIR kept full but for ${TMP_LEFT / 1024} kB for ${FULL_MS / 1000} s, then the local store's disk but for ${STORE_LEFT / 1024} kB for ${FULL_MS / 1000} s, each emptied again; readiness and a post's metadata polled meanwhile`,
      held: `every upload 201 or a JSON 507 (201 whenever there was room, 507 for every one while a disk was full); no post, source, stored object, quota use or temp file left by a refused one; readiness and reads 200 under ${HEALTHY_WITHIN_MS} ms throughout; every acknowledged upload byte-exact with its thumbnail; a small upload fits where a large one does not`,
      numbers: `${answers.length} uploads: ${uploads.acknowledged.length} acknowledged, ${refusedMs.length} answered 507 (all ${tmpFull.length} begun once the temp disk was full and those before it done, all ${storeFull.length} likewise for the store); p50 ${percentile(ms, 50)} ms, 507s p50 ${percentile(refusedMs, 50)} ms, max ${Math.max(0, ...refusedMs)} ms; ${health.answers.length} health reads, max ${Math.max(...healthMs)} ms; ${sourceCount} sources stored; thumbnails all there ${(thumbnailsAfterMs / 1000).toFixed(1)} s after the traffic`,
    });
  });
});
