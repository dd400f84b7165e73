/**
 * npm run bench:cache: one shake page (10 files, as a visitor sees it) served four ways, each alone, in one run:
 *   cached     - the real app, response cache on (every request after the first is a HIT)
 *   uncached   - a second instance of the app on the same database with HTTP_CACHE_ENABLED=false
 *   ceiling    - a route in the cached app's Nest application (same middleware, guards, pipes) that returns
 *                the page's bytes as a constant: what the framework costs for a response of that size
 *   bare       - a bare node:http server sending the same bytes
 * and reports requests/s and p50/p99 with the ratios the cache is held to: cached >= 5x uncached and >= 90% of
 * the ceiling. Everything listens on 127.0.0.1 and is dropped afterwards. Not part of npm test or CI.
 *
 * Database as in bench/common/database.ts. Knobs: BENCH_SECONDS per scenario and round (4), BENCH_CONNECTIONS
 * (8), BENCH_ROUNDS (5): the scenarios take turns for that many rounds and each reports its median round, so a
 * noisy neighbour on a shared machine hurts every scenario alike.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { type ChildServer, startChildServer } from '../common/child-server';
import { openDatabase } from '../common/database';
import { load, type LoadResult, percentile } from '../common/load';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { benchAppEnvironment } from '../common/bench-app';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function api(origin: string, path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(origin + path, init);
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** A user whose shake holds 10 files with titles and descriptions, made through the API like anyone's. */
async function seedShake(origin: string): Promise<string> {
  const username = `bench${randomBytes(3).toString('hex')}`;
  const registered = await api(origin, '/api/v1/auth/register', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, email: `${username}@example.com`, password: `pw-${randomBytes(8).toString('hex')}` }),
  });
  const { token } = (await registered.json()) as { token: string };
  for (let i = 0; i < 10; i++) {
    const image = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: i * 20, g: 90, b: 200 - i * 15 } } })
      .png()
      .toBuffer();
    const form = new FormData();
    form.set('title', `Picture number ${i + 1} of the benchmark shake`);
    form.set('description', `A longer description of picture ${i + 1}, with a #bench tag, as people write them.`);
    form.set('file', new Blob([image], { type: 'image/png' }), `picture-${i}.png`);
    await api(origin, '/api/v1/files', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  }
  return `/api/v1/shakes/${username}/files`;
}

interface Scenario {
  name: string;
  origin: string;
  path: string;
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = await benchRedisUrl();
  const prefix = `malted-bench:${suffix}`;
  const database = await openDatabase(`malted_bench_${suffix}`);
  const scratch = mkdtempSync(join(tmpdir(), 'malted-bench-cache-'));
  const bodyFile = join(scratch, 'page.json');
  const servers: ChildServer[] = [];
  try {
    const env = { ...benchAppEnvironment(database, redisUrl, prefix), BENCH_CONSTANT_BODY_FILE: bodyFile };
    const cached = await startChildServer(join(__dirname, 'server.ts'), { ...env, MALTED_MODE: 'all' });
    servers.push(cached);
    const uncached = await startChildServer(join(__dirname, 'server.ts'), { ...env, MALTED_MODE: 'api', HTTP_CACHE_ENABLED: 'false' });
    servers.push(uncached);

    const page = await seedShake(cached.origin);
    await new Promise((resolve) => setTimeout(resolve, 3000)); // let the jobs after the uploads finish
    const body = await (await api(uncached.origin, page)).text();
    writeFileSync(bodyFile, body);
    const bare = await startChildServer(join(__dirname, 'bare-server.ts'), { BENCH_CONSTANT_BODY_FILE: bodyFile });
    servers.push(bare);

    await api(cached.origin, page);
    const hit = await api(cached.origin, page);
    const constant = await (await api(cached.origin, '/api/v1/bench/constant')).text();
    if (hit.headers.get('x-cache') !== 'HIT' || (await hit.text()) !== body || constant !== body) {
      throw new Error('the scenarios do not send the same bytes, or the cached page is not a hit');
    }

    const scenarios: Scenario[] = [
      { name: 'cached shake page (HIT)', origin: cached.origin, path: page },
      { name: 'same page uncached', origin: uncached.origin, path: page },
      { name: 'ceiling: constant body, same Nest app', origin: cached.origin, path: '/api/v1/bench/constant' },
      { name: 'bare node:http, same bytes', origin: bare.origin, path: '/' },
    ];
    say(
      `Malted response-cache benchmark on ${database.label}; ${cpus().length} CPUs, ${CONNECTIONS} connections, ` +
        `${SECONDS}s per scenario and round, median of ${ROUNDS} rounds; body ${Buffer.byteLength(body)} bytes`,
    );
    const rounds = new Map<string, LoadResult[]>(scenarios.map((scenario) => [scenario.name, []]));
    const rps = (r: LoadResult) => r.ok.length / r.seconds;
    for (let round = 1; round <= ROUNDS; round++) {
      for (const scenario of scenarios) {
        await load(scenario.origin, [scenario.path], CONNECTIONS, 1); // warm-up, not recorded
        const result = await load(scenario.origin, [scenario.path], CONNECTIONS, SECONDS);
        const failed = Object.values(result.failed).reduce((sum, n) => sum + n, 0);
        if (failed > 0) throw new Error(`${scenario.name}: ${failed} requests failed ${JSON.stringify(result.failed)}`);
        rounds.get(scenario.name)!.push(result);
        say(`  round ${round}: ${scenario.name}: ${rps(result).toFixed(0)}/s`);
      }
    }
    const median = (name: string) => [...rounds.get(name)!].sort((x, y) => rps(x) - rps(y))[Math.floor(ROUNDS / 2)];
    const best = new Map(scenarios.map((scenario) => [scenario.name, median(scenario.name)]));

    const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);
    const [hitRun, uncachedRun, ceilingRun, bareRun] = scenarios.map((s) => best.get(s.name)!);
    say('');
    say('| scenario | requests/s | p50 ms | p99 ms |');
    say('| --- | ---: | ---: | ---: |');
    for (const scenario of scenarios) {
      const r = best.get(scenario.name)!;
      say(`| ${scenario.name} | ${rps(r).toFixed(0)} | ${ms(percentile(r.ok, 50))} | ${ms(percentile(r.ok, 99))} |`);
    }
    say('');
    say(`cached / uncached:        ${(rps(hitRun) / rps(uncachedRun)).toFixed(1)}x (target >= 5x)`);
    say(`cached / Nest ceiling:    ${((100 * rps(hitRun)) / rps(ceilingRun)).toFixed(0)}% (target >= 90%)`);
    say(`Nest ceiling / bare node: ${((100 * rps(ceilingRun)) / rps(bareRun)).toFixed(0)}%`);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await dropRedisKeys(redisUrl, prefix);
    await database.dropAndStop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
