import mongoose from 'mongoose';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, isErrorShape, percentile, sleep, type Answer } from './client';
import { recordFigure } from './figures';
import { type AppProcess, FaultRig } from './rig';
import { accountsWithPosts, SocialTraffic } from './traffic';

const DOWN_MS = 8000;
const NOT_READY_WITHIN_MS = 5000;
const READY_AGAIN_WITHIN_MS = 10_000;
const ANSWER_WITHIN_MS = 2000;
/**
 * A request already inside a database operation when the server died waits for it to fail (DATABASE_WAIT_MS,
 * 1.5 s) and then for the compensation that undoes its first steps (another 1.5 s at most) before its 503.
 */
const IN_FLIGHT_WITHIN_MS = 4000;
/** The worker's reference audit corrects a source once it and its posts are older than the sweep grace. */
const SWEEP_GRACE_SECONDS = 3;
const REFERENCES_EXACT_WITHIN_MS = 20_000;

async function eventuallyGone(paths: string[], withinMs = 10_000): Promise<void> {
  const started = Date.now();
  let left = paths.filter((path) => existsSync(path));
  while (left.length > 0 && Date.now() - started < withinMs) {
    await sleep(200);
    left = left.filter((path) => existsSync(path));
  }
  expect(left).toEqual([]);
}

describe('the database server restarted under uploads, likes and follows', () => {
  const rig = new FaultRig();
  let client: Client;
  let apiPid: number;
  let worker: AppProcess;

  beforeAll(async () => {
    await rig.start();
    const [api, started] = await Promise.all([
      rig.startProcess('api'),
      rig.startProcess('worker', { JOB_RECOVERY_INTERVAL_MS: '1000', JOB_SWEEP_GRACE_SECONDS: String(SWEEP_GRACE_SECONDS) }),
    ]);
    client = new Client(api.url);
    apiPid = api.child.pid!;
    worker = started;
  });
  afterAll(() => rig.close());

  it('turns not ready and back without a restart; writes meanwhile answer 503 at once and never half-apply', async () => {
    const { accounts, posts } = await accountsWithPosts(client, 4);

    const readiness: Answer[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        readiness.push(await client.call('ready', 'GET', '/health/ready', { timeoutMs: 5000 }));
        await sleep(200);
      }
    })();
    const writes = new SocialTraffic(client, accounts, posts);
    writes.start(3, 100);
    await sleep(1500);
    const downAt = Date.now();
    await rig.mongo.stop('SIGKILL');
    await sleep(DOWN_MS);
    await rig.mongo.start();
    const backAt = Date.now();
    const readyAgain = async () => {
      for (;;) {
        const last = readiness.at(-1);
        if (last && last.startedAt > backAt && last.status === 200) return last.startedAt + last.ms - backAt;
        if (Date.now() - backAt > READY_AGAIN_WITHIN_MS + 5000) return Infinity;
        await sleep(100);
      }
    };
    const readyAfterMs = await readyAgain();
    await sleep(1500);
    await writes.stop();
    probing = false;
    await probe;

    // Readiness: 503 within 5 s of the loss, 200 within 10 s of the return, same process.
    const firstDown = readiness.find((a) => a.startedAt >= downAt && a.status === 503);
    expect(firstDown).toBeDefined();
    const notReadyAfterMs = firstDown!.startedAt + firstDown!.ms - downAt;
    expect(notReadyAfterMs).toBeLessThan(NOT_READY_WITHIN_MS);
    expect(readyAfterMs).toBeLessThan(READY_AGAIN_WITHIN_MS);
    expect(rig.processes[0].child.pid).toBe(apiPid);
    expect(rig.processes[0].running).toBe(true);

    // Every write answered quickly: 2xx, or a JSON 503 while the database was away.
    const answers = writes.answers;
    const unclean = answers.filter((a) => !(a.status >= 200 && a.status < 300) && !(a.status === 503 && isErrorShape(a)));
    expect(unclean.map((a) => `${a.label} ${a.status} at ${a.startedAt - downAt} ${a.failure ?? ''} ${JSON.stringify(a.body)}`)).toEqual(
      [],
    );
    const inFlight = answers.filter((a) => a.startedAt < downAt && a.startedAt + a.ms > downAt);
    const slow = answers.filter((a) => a.ms >= (inFlight.includes(a) ? IN_FLIGHT_WITHIN_MS : ANSWER_WITHIN_MS));
    expect(slow.map((a) => `${a.label} ${a.status} ${a.ms} ms at ${a.startedAt - downAt}`)).toEqual([]);
    const refused = answers.filter((a) => a.status === 503);
    expect(refused.length).toBeGreaterThan(5);

    // Nothing half-applied: every post has its source and its shake entry, every acknowledged upload is stored, and
    // every source counts exactly the posts that hold a reference to it (those not yet released). An upload whose post
    // write failed with the database gone could not give its reference back: the worker's reference audit corrects
    // such a count once the sweep grace has passed, and purges bytes that no post holds.
    const db = await mongoose.createConnection(rig.mongo.uriFor(rig.database)).asPromise();
    let offAtFirst: number;
    let corrected: number;
    let settledAfterMs: number;
    try {
      const referencesOff = async () => {
        const postsInDb = await db
          .collection('shared_files')
          .find({}, { projection: { sourceId: 1, sourceReleased: 1 } })
          .toArray();
        const sources = await db
          .collection('source_files')
          .find({}, { projection: { refCount: 1, storageKey: 1 } })
          .toArray();
        const held = new Map<string, number>();
        for (const p of postsInDb) if (!p.sourceReleased) held.set(String(p.sourceId), (held.get(String(p.sourceId)) ?? 0) + 1);
        return sources
          .filter((s) => s.refCount !== (held.get(String(s._id)) ?? 0))
          .map((s) => ({
            source: String(s._id),
            storageKey: s.storageKey as string,
            refCount: s.refCount as number,
            held: held.get(String(s._id)) ?? 0,
          }));
      };
      const stopped = Date.now();
      const first = await referencesOff();
      offAtFirst = first.length;
      let off = first;
      while (off.length > 0 && Date.now() - stopped < REFERENCES_EXACT_WITHIN_MS) {
        await sleep(500);
        off = await referencesOff();
      }
      settledAfterMs = Date.now() - stopped;
      expect(off).toEqual([]);
      corrected = worker.output.split('source reference count corrected').length - 1;
      // The bytes of a source that no post held are gone from the store.
      const purged = first.filter((s) => s.held === 0).map((s) => s.storageKey);
      await eventuallyGone(purged.map((key) => join(rig.filesDir, key)));

      const postsInDb = await db
        .collection('shared_files')
        .find({}, { projection: { key: 1, sourceId: 1 } })
        .toArray();
      const sourceIds = new Set(
        (
          await db
            .collection('source_files')
            .find({}, { projection: { _id: 1 } })
            .toArray()
        ).map((s) => String(s._id)),
      );
      const entries = await db
        .collection('shake_entries')
        .find({}, { projection: { sharedFileId: 1 } })
        .toArray();
      const postIds = new Set(postsInDb.map((p) => String(p._id)));
      expect(postsInDb.filter((p) => !sourceIds.has(String(p.sourceId))).map((p) => p.key)).toEqual([]);
      expect(entries.filter((e) => !postIds.has(String(e.sharedFileId))).map((e) => String(e._id))).toEqual([]);
      expect(postsInDb.length).toBe(entries.length);
      const stored = new Set(postsInDb.map((p) => p.key as string));
      expect(writes.uploads.filter((u) => !stored.has(u.key)).map((u) => u.key)).toEqual([]);
    } finally {
      await db.close();
    }

    const outage = answers.filter((a) => a.startedAt >= downAt && a.startedAt < backAt);
    const inFlightMs = inFlight.map((a) => a.ms);
    const ms = outage.map((a) => a.ms);
    recordFigure({
      order: 3,
      scenario: 'Database server restarted',
      done: `3 clients uploading, liking and following; FerretDB SIGKILLed, started again ${DOWN_MS / 1000} s later on the same data; API and worker in separate processes, /health/ready polled every 200 ms`,
      held: `/health/ready 503 within ${NOT_READY_WITHIN_MS / 1000} s and 200 within ${READY_AGAIN_WITHIN_MS / 1000} s of the return, same process; every write 2xx or a JSON 503, under ${ANSWER_WITHIN_MS} ms (under ${IN_FLIGHT_WITHIN_MS} ms for those in flight at the loss); no post without its source or shake entry, every acknowledged upload stored; every source's reference count exact within ${REFERENCES_EXACT_WITHIN_MS / 1000} s of the traffic's end (sweep grace ${SWEEP_GRACE_SECONDS} s), the bytes no post held removed`,
      numbers: `not ready after ${(notReadyAfterMs / 1000).toFixed(1)} s, ready ${(readyAfterMs / 1000).toFixed(1)} s after the return; ${outage.length} writes during the outage (${refused.length} answered 503), p50 ${percentile(ms, 50)} ms, max ${Math.max(...ms)} ms; ${inFlight.length} in flight at the loss, max ${Math.max(0, ...inFlightMs)} ms; ${corrected} reference count(s) corrected by the worker's audit, ${offAtFirst} still wrong when the traffic stopped, all exact ${(settledAfterMs / 1000).toFixed(1)} s later`,
    });
  });
});
