import { Agent, get } from 'node:http';

export interface LoadResult {
  /** Latencies of the 2xx answers, in ms, sorted. */
  ok: number[];
  /** How many answers of each other status (0: a network error). */
  failed: Record<number, number>;
  seconds: number;
}

/**
 * Keeps `concurrency` calls of `operation` in flight until `seconds` have passed, recording each one's latency
 * under the status it resolves to (2xx counts as answered); calls already started then finish, so the run ends
 * soon after. `operation` gets a running number (to pick its input) and must not reject.
 */
export async function measure(concurrency: number, seconds: number, operation: (n: number) => Promise<number>): Promise<LoadResult> {
  const result: LoadResult = { ok: [], failed: {}, seconds: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      const status = await operation(next++);
      const latency = performance.now() - sent;
      if (status >= 200 && status < 300) result.ok.push(latency);
      else result.failed[status] = (result.failed[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  result.seconds = (performance.now() - started) / 1000;
  result.ok.sort((a, b) => a - b);
  return result;
}

/**
 * GETs the paths in turn over `connections` keep-alive connections for `seconds` (see measure); the server
 * bounds each answer (a search by SEARCH_TIMEOUT_MS), so the run ends soon after.
 */
export async function load(origin: string, paths: string[], connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const one = (path: string) =>
    new Promise<number>((resolve) => {
      get(origin + path, { agent }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      }).once('error', () => resolve(0));
    });
  try {
    return await measure(connections, seconds, (n) => one(paths[n % paths.length]));
  } finally {
    agent.destroy();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
