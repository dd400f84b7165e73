/**
 * The database a benchmark runs on: MONGODB_URI if set (a real MongoDB), else FerretDB 1.24
 * (tools/mongo-test-server) on the local PostgreSQL (BENCH_POSTGRESQL_URL, default
 * postgres://127.0.0.1:5432/postgres), or on SQLite with BENCH_DATABASE=sqlite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoTool } from '../../src/dev/go-tool';
import { buildMongoTestServer } from '../../src/dev/mongo-test-server';

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
