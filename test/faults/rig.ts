import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMongoTestServer, startMongoTestServer, type RunningMongoTestServer } from '../../src/dev/mongo-test-server';
import { DisposableRedis, eventually, freePort } from '../harness/servers';

export const ROOT = join(__dirname, '..', '..');
/** Built once by the suite's global setup (`nest build`), so that a process starts in a second or two. */
export const MAIN_JS = join(ROOT, 'dist', 'main.js');

/** The MongoDB-compatible server (FerretDB) of one scenario, on a port it keeps across restarts. */
export class DisposableMongo {
  private server?: RunningMongoTestServer;
  readonly dir = mkdtempSync(join(tmpdir(), 'malted-faults-db-'));

  constructor(readonly port: number) {}

  uriFor(database: string): string {
    return `mongodb://127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = await startMongoTestServer(buildMongoTestServer(), {
      sqliteDir: join(this.dir, 'data'),
      listen: `127.0.0.1:${this.port}`,
    });
  }

  /** Stops the server (SIGKILL: a crash), keeping its data for start(). */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await server?.stop(signal);
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** One Malted process (dist/main.js) of a scenario: API, worker or all-in-one. */
export class AppProcess {
  readonly child: ChildProcessWithoutNullStreams;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [MAIN_JS], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export interface RigOptions {
  /** Environment for every process of the scenario (on top of the rig's). */
  env?: Record<string, string>;
}

/**
 * Everything one fault scenario runs on, all its own: a redis-server, a FerretDB, a files folder, an upload
 * temp folder and the Malted processes it starts, so it can break any of them without touching anything else.
 */
export class FaultRig {
  redis!: DisposableRedis;
  mongo!: DisposableMongo;
  readonly filesDir = mkdtempSync(join(tmpdir(), 'malted-faults-files-'));
  uploadTmpDir = mkdtempSync(join(tmpdir(), 'malted-faults-tmp-'));
  readonly database = `malted_faults_${randomBytes(4).toString('hex')}`;
  readonly processes: AppProcess[] = [];

  constructor(private readonly options: RigOptions = {}) {}

  async start(): Promise<void> {
    this.redis = new DisposableRedis(await freePort());
    this.mongo = new DisposableMongo(await freePort());
    await Promise.all([this.redis.start(), this.mongo.start()]);
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      MONGODB_URI: this.mongo.uriFor(this.database),
      REDIS_URL: this.redis.url,
      STORAGE_DRIVER: 'local',
      STORAGE_LOCAL_DIR: this.filesDir,
      UPLOAD_TMP_DIR: this.uploadTmpDir,
      DATA_DIR: join(this.filesDir, '..', `${this.database}-data`),
      RATE_LIMIT_PER_HOUR: '1000000',
      LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
      REGISTER_RATE_LIMIT_PER_HOUR: '1000000',
      MAIL_RATE_LIMIT_PER_HOUR: '1000000',
      EMAIL_VERIFICATION_REQUIRED_FOR: 'none',
      ...this.options.env,
      ...extra,
    };
  }

  /** Starts a process in `mode` and resolves once it is ready (or live, for a worker). */
  async startProcess(mode: 'api' | 'worker' | 'all', extra: Record<string, string> = {}, readyWithinMs = 60_000): Promise<AppProcess> {
    const port = await freePort();
    const app = new AppProcess(port, this.env({ MALTED_MODE: mode, PORT: String(port), ...extra }));
    this.processes.push(app);
    await eventually(
      () =>
        fetch(`${app.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
          (res) => res.status,
          () => 0,
        ),
      (status) => status === 200 || !app.running,
      readyWithinMs,
    ).catch((error: Error) => {
      throw new Error(`${mode} process did not get ready: ${error.message}\n${app.output.slice(-3000)}`);
    });
    if (!app.running) throw new Error(`${mode} process exited at start-up:\n${app.output.slice(-3000)}`);
    return app;
  }

  /** Files (not folders) left in the upload temp folder. */
  tempFiles(): string[] {
    return existsSync(this.uploadTmpDir)
      ? readdirSync(this.uploadTmpDir, { recursive: true, withFileTypes: true })
          .filter((e) => e.isFile())
          .map((e) => e.name)
      : [];
  }

  /** Files in the local store (each stored object is one file). */
  storedFiles(): string[] {
    return readdirSync(this.filesDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => e.name);
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill()));
    this.redis?.resume();
    await this.redis?.stop();
    await this.mongo?.remove();
    rmSync(this.filesDir, { recursive: true, force: true });
    rmSync(join(this.filesDir, '..', `${this.database}-data`), { recursive: true, force: true });
    rmSync(this.uploadTmpDir, { recursive: true, force: true });
  }
}

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}
