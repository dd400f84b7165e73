import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root, from src/dev (ts) or dist/dev (js). */
export const REPO_ROOT = resolve(__dirname, '..', '..');

export function goIsAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds the Go program in tools/<name> once per source version and returns the binary's path. The binary is
 * cached under .cache/<name>/, keyed by a hash of go.mod, go.sum and its .go files (tests aside).
 */
export function buildGoTool(name: string): string {
  const sourceDir = join(REPO_ROOT, 'tools', name);
  const hash = createHash('sha256');
  const sources = readdirSync(sourceDir).filter((file) => file.endsWith('.go') && !file.endsWith('_test.go'));
  for (const file of ['go.mod', 'go.sum', ...sources.sort()]) hash.update(readFileSync(join(sourceDir, file)));
  const dir = join(REPO_ROOT, '.cache', name, hash.digest('hex').slice(0, 16));
  const binary = join(dir, name);
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: sourceDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  if (result.status !== 0) {
    throw new Error(`building tools/${name} failed (go build exited ${result.status ?? result.signal})`);
  }
  renameSync(partial, binary); // atomic: concurrent builders never see half a binary
  return binary;
}

export interface RunningGoTool {
  /** What the tool announced after READY (its address). */
  address: string;
  process: ChildProcess;
  /** SIGTERM (then SIGKILL after 5s); pass SIGKILL to simulate a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Starts a tool that prints "READY <address>" once it serves and exits when its stdin closes, so it never
 * outlives this process. Resolves with that address.
 */
export function startGoTool(
  binary: string,
  args: string[],
  name: string,
  timeoutMs = 30_000,
  env: Record<string, string> = {},
): Promise<RunningGoTool> {
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<void>((resolveStop) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolveStop();
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.once('exit', () => {
        clearTimeout(force);
        resolveStop();
      });
      child.kill(signal);
    });

  return new Promise((resolveStart, rejectStart) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(new Error(`${name} did not become ready within ${timeoutMs / 1000}s`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rejectStart(new Error(`${name} exited before it was ready (${code ?? signal})`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^READY (\S+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolveStart({ address: match[1], process: child, stop });
    });
  });
}
