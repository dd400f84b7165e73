/**
 * What every benchmark starts on 127.0.0.1 and removes afterwards: a database (a real MongoDB, or FerretDB 1.24
 * on the local PostgreSQL or on SQLite), a Redis key prefix of its own, and the real app in a child process (so
 * the load generator does not share its event loop).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { startGoTool } from '../../src/dev/go-tool';
import { redisAnswers } from '../../src/dev/local-services';
import { buildMongoTestServer } from '../../src/dev/mongo-test-server';

const ROOT = join(__dirname, '..', '..');

export const say = (line: string) => process.stdout.write(`${line}\n`);

export interface Database {
  uri: string;
  label: string;
  stop(): Promise<void>;
}

function tcpAnswers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 }, () => socket.end(() => resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * MONGODB_URI if set (a real MongoDB), else FerretDB 1.24 (tools/mongo-test-server) on the local PostgreSQL
 * (BENCH_POSTGRESQL_URL, default postgres://127.0.0.1:5432/postgres), or on SQLite with BENCH_DATABASE=sqlite.
 */
export async function openDatabase(name: string): Promise<Database> {
  if (process.env.MONGODB_URI) {
    const url = new URL(process.env.MONGODB_URI);
    url.pathname = `/${name}`;
    return { uri: url.toString(), label: `MongoDB at ${url.host}`, stop: async () => undefined };
  }
  const binary = buildMongoTestServer();
  if (process.env.BENCH_DATABASE === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'malted-bench-'));
    const server = await startGoTool(binary, ['-listen', '127.0.0.1:0', '-sqlite-dir', dir, '-exit-on-stdin-close'], 'mongo-test-server');
    const stop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { uri: `${server.address}${name}`, label: 'FerretDB 1.24 on SQLite', stop };
  }
  const postgres = new URL(process.env.BENCH_POSTGRESQL_URL ?? 'postgres://127.0.0.1:5432/postgres');
  if (!(await tcpAnswers(postgres.hostname, Number(postgres.port || 5432)))) {
    throw new Error(`no PostgreSQL answers at ${postgres.host}: set BENCH_POSTGRESQL_URL, MONGODB_URI, or BENCH_DATABASE=sqlite`);
  }
  const args = ['-listen', '127.0.0.1:0', '-handler', 'postgresql', '-postgresql-url', postgres.toString(), '-exit-on-stdin-close'];
  const server = await startGoTool(binary, args, 'mongo-test-server');
  return { uri: `${server.address}${name}`, label: `FerretDB 1.24 on PostgreSQL (${postgres.host})`, stop: () => server.stop() };
}

export interface BenchServer {
  origin: string;
  stop(): void;
}

/** Runs `script` (a server.ts that prints "READY <origin>") in a child process with only this environment. */
export function startServer(script: string, env: Record<string, string>): Promise<BenchServer> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the bench server exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ origin: line.slice(6), stop: () => child.stdin!.end() });
    });
  });
}

export interface BenchIsolation {
  database: Database;
  redisUrl: string;
  /** REDIS_KEY_PREFIX of this run. */
  prefix: string;
  /** Drops the database, stops the server that holds it, deletes this run's Redis keys. */
  dispose(): Promise<void>;
}

/** A fresh database and Redis prefix named after the benchmark, e.g. malted_bench_social_1a2b3c4d. */
export async function isolate(bench: string): Promise<BenchIsolation> {
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { hostname, port } = new URL(redisUrl);
  if (!(await redisAnswers(hostname, Number(port || 6379)))) throw new Error(`no Redis answers at ${redisUrl}`);
  const prefix = `malted-bench:${bench}:${suffix}`;
  const database = await openDatabase(`malted_bench_${bench}_${suffix}`);
  const dispose = async () => {
    const connection = await mongoose.createConnection(database.uri).asPromise();
    await connection.dropDatabase();
    await connection.close();
    await database.stop();
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  };
  return { database, redisUrl, prefix, dispose };
}
