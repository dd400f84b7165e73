import { readFileSync } from 'node:fs';
import { type Answer, Client, percentile, sleep, type TestAccount } from './client';
import { recordFigure } from './figures';
import { type AppProcess, FaultRig } from './rig';
import type { Post } from './traffic';
import { freePort } from '../harness/servers';

/**
 * A steady mixed load on a separately spawned API process (and a worker) for SOAK_SECONDS (default 60), sent at a
 * fixed rate rather than flat out (the build machine has two cores shared with other runs): reads of posts, raw
 * bytes, thumbnails and lists, uploads, likes and searches. The API's resident set is sampled from
 * /proc/<pid>/status, its event-loop delay from prom-client's nodejs_eventloop_lag_p99_seconds on its /metrics
 * (reset at every scrape, so each sample is the p99 of the interval since the last one).
 */
const SOAK_MS = Number(process.env.SOAK_SECONDS ?? 60) * 1000;
/** The same load before the measured soak, while V8 grows its heap to what the load needs (not judged). */
const WARM_UP_MS = Number(process.env.SOAK_WARM_UP_SECONDS ?? 30) * 1000;
const RUN_MS = WARM_UP_MS + SOAK_MS;
const RATE_PER_SECOND = 12;
const SAMPLE_EVERY_MS = 2000;
const MAX_RSS_GROWTH = 0.1;
const MAX_LAG_P99_MS = 100;
/** Requests allowed to be outstanding at once: past this, a tick is skipped and counted (never silently). */
const MAX_OUTSTANDING = 40;
const SNAPSHOTS = process.env.SOAK_HEAP_SNAPSHOT_DIR;

const rssKiB = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN);
};

/** From prom-client's default metrics: the event-loop delay p99 since the last scrape, and the V8 heap in use. */
async function scrape(metricsUrl: string): Promise<{ lagMs: number; heapMiB: number; heapTotalMiB: number; externalMiB: number }> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5000) })).text();
  const value = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(name));
    if (!line) throw new Error(`no ${name} in /metrics`);
    return Number(line.split(' ').pop());
  };
  return {
    lagMs: value('nodejs_eventloop_lag_p99_seconds') * 1000,
    heapMiB: value('nodejs_heap_size_used_bytes') / 2 ** 20,
    heapTotalMiB: value('nodejs_heap_size_total_bytes') / 2 ** 20,
    externalMiB: value('nodejs_external_memory_bytes') / 2 ** 20,
  };
}

const median = (values: number[]) => percentile(values, 50);

describe(`a ${SOAK_MS / 1000}-second soak at a steady mixed load`, () => {
  const rig = new FaultRig();
  let client: Client;
  let api: AppProcess;
  let metricsUrl: string;

  beforeAll(async () => {
    await rig.start();
    const metricsPort = await freePort();
    const snapshots: Record<string, string> = SNAPSHOTS
      ? { NODE_OPTIONS: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${SNAPSHOTS}` }
      : {};
    [api] = await Promise.all([rig.startProcess('api', { METRICS_PORT: String(metricsPort), ...snapshots }), rig.startProcess('worker')]);
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    client = new Client(api.url);
  });
  afterAll(() => rig.close());

  it(
    `answers every request, keeps RSS growth under ${MAX_RSS_GROWTH * 100}% after warm-up and event-loop lag p99 under ${MAX_LAG_P99_MS} ms`,
    async () => {
      const accounts: TestAccount[] = [];
      for (let i = 0; i < 6; i++) accounts.push(await client.register());
      const posts: Post[] = [];
      for (const owner of [...accounts, ...accounts]) {
        const { answer, image } = await client.upload(owner);
        expect(answer.status).toBe(201);
        posts.push({ key: (answer.body as { key: string }).key, owner, image });
      }

      let turn = 0;
      const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
      const step = async (): Promise<Answer> => {
        const kind = turn++ % 20;
        const who = pick(accounts);
        const post = pick(posts);
        if (kind === 0) {
          const { answer, image } = await client.upload(who);
          if (answer.status === 201) posts.push({ key: (answer.body as { key: string }).key, owner: who, image });
          return answer;
        }
        if (kind <= 2) {
          const target = pick(posts.filter((p) => p.owner !== who));
          return client.call('like', turn % 2 ? 'PUT' : 'DELETE', `/api/v1/files/${target.key}/like`, { auth: who.auth });
        }
        if (kind <= 5) return client.call('search', 'GET', `/api/v1/search?q=${pick(['fault', 'png', who.username.slice(0, 4)])}`);
        const reads: [string, string, string?][] = [
          ['get post', `/api/v1/files/${post.key}`],
          ['get post signed in', `/api/v1/files/${post.key}`, who.auth],
          ['get raw', `/r/${post.key}`],
          ['get thumbnail', `/t/${post.key}`],
          ['get shake files', `/api/v1/shakes/${post.owner.username}/files`],
          ['get incoming', '/api/v1/incoming', pick([undefined, who.auth])],
          ['get timeline', '/api/v1/timeline', who.auth],
        ];
        const [label, path, auth] = reads[kind % reads.length];
        return client.call(label, 'GET', path, { auth });
      };

      const answers: Answer[] = [];
      const samples: { at: number; rssKiB: number; lagMs: number; heapMiB: number; heapTotalMiB: number; externalMiB: number }[] = [];
      const scrapeFailures: string[] = [];
      let outstanding = 0;
      let skipped = 0;
      const startedAt = Date.now();
      const inFlight = new Set<Promise<void>>();
      const sampling = (async () => {
        while (Date.now() - startedAt < RUN_MS) {
          await sleep(SAMPLE_EVERY_MS);
          // A scrape that fails is kept and judged at the end (writing a heap snapshot holds the process up).
          const scraped = await scrape(metricsUrl).catch((error: Error) => error);
          if (scraped instanceof Error) scrapeFailures.push(`${Date.now() - startedAt} ms: ${scraped.message}`);
          else samples.push({ at: Date.now() - startedAt, rssKiB: rssKiB(api.child.pid!), ...scraped });
          // SOAK_HEAP_SNAPSHOT_DIR: a heap snapshot at the end of the warm-up and at the end, to diff (see the README).
          if (SNAPSHOTS && samples.length === Math.ceil(WARM_UP_MS / SAMPLE_EVERY_MS)) api.signal('SIGUSR2');
        }
      })();
      // Open loop: one request every 1/RATE s whatever the answers take (as clients arrive), bounded in number.
      for (let sent = 0; Date.now() - startedAt < RUN_MS; sent++) {
        const due = startedAt + (sent * 1000) / RATE_PER_SECOND;
        if (due > Date.now()) await sleep(due - Date.now());
        if (outstanding >= MAX_OUTSTANDING) {
          skipped++;
          continue;
        }
        outstanding++;
        const request = step().then((answer) => {
          answers.push(answer);
          outstanding--;
        });
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
      }
      await Promise.all([...inFlight, sampling]);
      if (SNAPSHOTS) {
        api.signal('SIGUSR2');
        await sleep(20_000); // writing it takes a while; the rig kills the process at the end
      }
      const seconds = (Date.now() - startedAt) / 1000;

      const errors = answers.filter((a) => a.status < 200 || a.status >= 300);
      const afterWarmUp = samples.filter((s) => s.at >= WARM_UP_MS);
      const window = Math.max(2, Math.floor(afterWarmUp.length / 4));
      const baseline = median(afterWarmUp.slice(0, window).map((s) => s.rssKiB));
      const final = median(afterWarmUp.slice(-window).map((s) => s.rssKiB));
      const growth = (final - baseline) / baseline;
      const lags = afterWarmUp.map((s) => s.lagMs);
      const overLag = afterWarmUp.filter((s) => s.lagMs >= MAX_LAG_P99_MS).map((s) => `${s.lagMs.toFixed(1)} ms at ${s.at} ms`);
      const ms = answers.map((a) => a.ms);
      const count = (label: string) => answers.filter((a) => a.label === label).length;
      const mib = (kib: number) => (kib / 1024).toFixed(1);
      const numbers = `${answers.length} requests in ${seconds.toFixed(0)} s (${count('upload')} uploads, ${count('like')} likes/unlikes, ${count('search')} searches), p50 ${percentile(ms, 50)} ms, p99 ${percentile(ms, 99)} ms; RSS ${mib(baseline)} → ${mib(final)} MiB (${(growth * 100).toFixed(1)}%); lag p99 median ${median(lags).toFixed(1)} ms, max ${Math.max(...lags).toFixed(1)} ms; V8 heap used ${afterWarmUp[0]?.heapMiB.toFixed(1)} → ${afterWarmUp.at(-1)?.heapMiB.toFixed(1)} MiB`;
      process.stdout.write(`soak: ${numbers}\nsamples: ${JSON.stringify(samples)}\n`);

      expect(errors.map((a) => `${a.label} ${a.status} ${a.ms} ms ${a.failure ?? ''} ${JSON.stringify(a.body)}`.slice(0, 300))).toEqual([]);
      expect(skipped).toBe(0);
      if (!SNAPSHOTS) expect(scrapeFailures).toEqual([]);
      expect(answers.length).toBeGreaterThan((RATE_PER_SECOND * RUN_MS) / 1000 - 10);
      expect(growth).toBeLessThan(MAX_RSS_GROWTH);
      expect(overLag).toEqual([]);
      expect(api.running).toBe(true);

      recordFigure({
        order: 30,
        scenario: `Soak, ${SOAK_MS / 1000} s`,
        done: `a steady ${RATE_PER_SECOND} requests/s (open loop, at most ${MAX_OUTSTANDING} outstanding) on one API process and one worker: 5% uploads, 10% likes and unlikes, 15% searches, 70% reads (posts anonymous and signed in, raw, thumbnails, shake files, incoming, timeline); RSS from /proc/<pid>/status and nodejs_eventloop_lag_p99_seconds from /metrics every ${SAMPLE_EVERY_MS / 1000} s`,
        held: `0 errors; the API's RSS grew under ${MAX_RSS_GROWTH * 100}% from the first to the last quarter after a ${WARM_UP_MS / 1000} s warm-up; event-loop lag p99 under ${MAX_LAG_P99_MS} ms in every interval after it`,
        numbers,
      });
    },
    RUN_MS + 90_000,
  );
});
