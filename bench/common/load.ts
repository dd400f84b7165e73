import { Agent, get } from 'node:http';

export interface LoadResult {
  /** Latencies of the 2xx answers, in ms, sorted. */
  ok: number[];
  /** How many answers of each other status (0: a network error). */
  failed: Record<number, number>;
  seconds: number;
}

/**
 * Keeps `connections` requests in flight (keep-alive), cycling through the paths, until `seconds` have passed;
 * requests already sent then finish (the server bounds each search by SEARCH_TIMEOUT_MS), so the run ends soon
 * after.
 */
export async function load(origin: string, paths: string[], connections: number, seconds: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const result: LoadResult = { ok: [], failed: {}, seconds: 0 };
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = 0;
  const one = (path: string) =>
    new Promise<number>((resolve) => {
      get(origin + path, { agent }, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      }).once('error', () => resolve(0));
    });
  const worker = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      const status = await one(paths[next++ % paths.length]);
      const latency = performance.now() - sent;
      if (status >= 200 && status < 300) result.ok.push(latency);
      else result.failed[status] = (result.failed[status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  result.seconds = (performance.now() - started) / 1000;
  result.ok.sort((a, b) => a - b);
  agent.destroy();
  return result;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
