import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { redisAnswers } from '../../src/dev/probes';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Probes until `accept` takes the value, and returns it; throws (with the last value seen) after timeoutMs. */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`eventually: not accepted within ${timeoutMs} ms; last value: ${describe(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function describe(value: unknown): string {
  const shown =
    value && typeof value === 'object' && 'status' in value && 'body' in value ? { status: value.status, body: value.body } : value;
  try {
    return (JSON.stringify(shown) ?? String(shown)).slice(0, 500);
  } catch {
    return String(shown);
  }
}

/** A private redis-server (from PATH) on the given port, for tests that stop and restart Redis. */
export class DisposableRedis {
  private child?: ChildProcess;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private get running(): boolean {
    return Boolean(this.child && this.child.exitCode === null && this.child.signalCode === null);
  }

  /** Starts redis-server (again, after stop()) on the same port; a no-op while it runs. */
  async start(): Promise<void> {
    if (this.running) return;
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await eventually(() => redisAnswers('127.0.0.1', this.port), Boolean, 10_000).catch(() => {
      throw new Error(`redis-server did not start on port ${this.port}`);
    });
  }

  /** Freezes the server: connections stay open and commands get no answer, as with an overloaded Redis. */
  pause(): void {
    if (this.running) this.child!.kill('SIGSTOP');
  }

  resume(): void {
    if (this.running) this.child!.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
