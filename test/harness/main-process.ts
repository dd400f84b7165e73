import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import { eventually, freePort } from './servers';
import { mongoUriFor, type TestContext } from './test-app';

const ROOT = join(__dirname, '..', '..');

/** A free port for the app, and the variables that put a main process on this test file's database and Redis. */
export async function onTestServers(ctx: TestContext): Promise<{ port: number; env: Record<string, string> }> {
  const port = await freePort();
  return {
    port,
    env: {
      PORT: String(port),
      METRICS_PORT: String(await freePort()),
      HOST: '127.0.0.1',
      MONGODB_URI: mongoUriFor(ctx.database),
      REDIS_URL: process.env.MALTED_TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: ctx.prefix,
    },
  };
}

/**
 * Runs src/main.ts in a child process (transpiled on the fly), the way `npm start` runs dist/main.js, from the
 * repository or from `cwd` (where relative paths such as the default ./data/files then point).
 */
export class MainProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(env: Record<string, string>, cwd = ROOT) {
    const tsNode = require.resolve('ts-node/register/transpile-only');
    this.child = spawn(process.execPath, ['-r', tsNode, join(ROOT, 'src', 'main.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Every JSON log line printed so far. */
  logLines(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /**
   * Waits until GET /health/ready answers 200 on `port` (or this process exits) and returns that status, 0 when
   * nothing answered.
   */
  readiness(port: number, timeoutMs = 30_000): Promise<number> {
    const http = request(`http://127.0.0.1:${port}`);
    return eventually(
      () =>
        http.get('/health/ready').then(
          (res) => res.status,
          () => 0,
        ),
      (status) => status === 200 || this.child.exitCode !== null,
      timeoutMs,
    );
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
