import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root, from src/dev (ts) or dist/dev (js). */
export const REPO_ROOT = resolve(__dirname, '..', '..');
const SOURCE_DIR = join(REPO_ROOT, 'tools', 'mongo-test-server');

export function goIsAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Builds tools/mongo-test-server (FerretDB embedded in a tiny Go program) once per source version and
 * returns the binary's path. The binary is cached under .cache/, keyed by a hash of its sources.
 */
export function buildMongoTestServer(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(SOURCE_DIR, file)));
  const dir = join(REPO_ROOT, '.cache', 'mongo-test-server', hash.digest('hex').slice(0, 16));
  const binary = join(dir, 'mongo-test-server');
  if (existsSync(binary)) return binary;

  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}.tmp`;
  const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: SOURCE_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CGO_ENABLED: '0' },
  });
  if (result.status !== 0) {
    throw new Error(`building tools/mongo-test-server failed (go build exited ${result.status ?? result.signal})`);
  }
  renameSync(partial, binary); // atomic: concurrent builders never see half a binary
  return binary;
}

export interface RunningMongoTestServer {
  uri: string;
  process: ChildProcess;
  /** SIGTERM (then SIGKILL after 5s); pass SIGKILL to simulate a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface MongoTestServerOptions {
  sqliteDir: string;
  /** host:port; 127.0.0.1:0 picks a free port. */
  listen?: string;
}

/** Starts the embedded FerretDB and resolves once it accepts connections. It exits when this process does. */
export function startMongoTestServer(binary: string, options: MongoTestServerOptions): Promise<RunningMongoTestServer> {
  const child = spawn(
    binary,
    [
      '-listen',
      options.listen ?? '127.0.0.1:0',
      '-sqlite-dir',
      options.sqliteDir,
      '-exit-on-stdin-close',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
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
      rejectStart(new Error('mongo-test-server did not become ready within 30s'));
    }, 30_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      rejectStart(new Error(`mongo-test-server exited before it was ready (${code ?? signal})`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^READY (mongodb:\/\/\S+)$/.exec(line);
      if (!match) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolveStart({ uri: match[1], process: child, stop });
    });
  });
}
