import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { startGoTool } from '../../src/dev/go-tool';
import { tcpAnswers } from '../../src/dev/probes';
import { buildMongoTestServer, startMongoTestServerOnEmbeddedPostgres } from '../../src/dev/mongo-test-server';

export interface BenchDatabase {
  uri: string;
  label: string;
  /** Drops the database, then stops the server if the bench started it. */
  dropAndStop(): Promise<void>;
}

async function dropDatabase(uri: string): Promise<void> {
  const connection = await mongoose.createConnection(uri).asPromise();
  await connection.dropDatabase();
  await connection.close();
}

/**
 * A database of the given name for a benchmark: MONGODB_URI's server if set (a real MongoDB), else FerretDB 1.24
 * (tools/mongo-test-server) on the local PostgreSQL (BENCH_POSTGRESQL_URL, default
 * postgres://127.0.0.1:5432/postgres), on SQLite in a temporary folder with BENCH_DATABASE=sqlite, or on an
 * embedded PostgreSQL in a temporary folder (what npm start runs) with BENCH_DATABASE=embedded.
 */
export async function openDatabase(name: string): Promise<BenchDatabase> {
  if (process.env.MONGODB_URI) {
    const url = new URL(process.env.MONGODB_URI);
    url.pathname = `/${name}`;
    const uri = url.toString();
    return { uri, label: `MongoDB at ${url.host}`, dropAndStop: () => dropDatabase(uri) };
  }
  const binary = buildMongoTestServer();
  if (process.env.BENCH_DATABASE === 'embedded') {
    const dir = mkdtempSync(join(tmpdir(), 'malted-bench-'));
    chmodSync(dir, 0o755); // reachable by the postgres user when this runs as root
    const server = await startMongoTestServerOnEmbeddedPostgres(join(dir, 'postgres'));
    const dropAndStop = async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { uri: `${server.uri}${name}`, label: "FerretDB 1.24 on the embedded PostgreSQL 16 (npm start's default)", dropAndStop };
  }
  if (process.env.BENCH_DATABASE === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'malted-bench-'));
    const server = await startGoTool(binary, ['-listen', '127.0.0.1:0', '-sqlite-dir', dir, '-exit-on-stdin-close'], 'mongo-test-server');
    const uri = `${server.address}${name}`;
    const dropAndStop = async () => {
      await dropDatabase(uri).catch(() => undefined); // the folder goes anyway
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { uri, label: 'FerretDB 1.24 on SQLite', dropAndStop };
  }
  const postgres = new URL(process.env.BENCH_POSTGRESQL_URL ?? 'postgres://127.0.0.1:5432/postgres');
  if (!(await tcpAnswers(postgres.hostname, Number(postgres.port || 5432)))) {
    throw new Error(`no PostgreSQL answers at ${postgres.host}: set BENCH_POSTGRESQL_URL, MONGODB_URI, or BENCH_DATABASE=sqlite`);
  }
  const args = ['-listen', '127.0.0.1:0', '-handler', 'postgresql', '-postgresql-url', postgres.toString(), '-exit-on-stdin-close'];
  const server = await startGoTool(binary, args, 'mongo-test-server');
  const uri = `${server.address}${name}`;
  const dropAndStop = async () => {
    try {
      await dropDatabase(uri);
    } finally {
      await server.stop();
    }
  };
  return { uri, label: `FerretDB 1.24 on PostgreSQL (${postgres.host})`, dropAndStop };
}
