import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What one wrk run measured. Latencies in ms. */
export interface WrkResult {
  /** Answers with a 2xx or 3xx status. */
  done: number;
  /** Answers with another status, and connect, read, write and timeout errors. */
  failed: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
}

// wrk's Lua hook, run once at the end: the summary as one JSON line on stdout.
const REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK {"requests":%d,"duration":%d,"failed":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export function wrkIsAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/**
 * GETs (or HEADs) `url` over `connections` keep-alive connections for `seconds` with wrk, a C load generator in
 * its own process on one thread, so that the load is not the bottleneck of a 2-core machine.
 */
export async function wrk(url: string, connections: number, seconds: number, headers: Record<string, string> = {}): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'malted-wrk-'));
  const script = join(dir, 'report.lua');
  writeFileSync(script, REPORT);
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', script];
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}: ${value}`);
  args.push(url);
  try {
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`))));
    });
    const line = output.split('\n').find((l) => l.startsWith('WRK '));
    if (!line) throw new Error(`wrk printed no summary: ${output}`);
    const r = JSON.parse(line.slice(4)) as { requests: number; duration: number; failed: number; p50: number; p99: number };
    const seconds = r.duration / 1e6;
    const done = r.requests - r.failed;
    return { done, failed: r.failed, seconds, rate: done / seconds, p50: r.p50 / 1000, p99: r.p99 / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
