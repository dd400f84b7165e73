import type { ChildProcess } from 'node:child_process';
import { startEmbeddedPostgres } from './embedded-postgres';
import { buildGoTool, startGoTool } from './go-tool';

/**
 * Builds tools/mongo-test-server (FerretDB embedded in a tiny Go program) once per source version and
 * returns the binary's path (cached under .cache/).
 */
export function buildMongoTestServer(): string {
  return buildGoTool('mongo-test-server');
}

export interface RunningMongoTestServer {
  uri: string;
  process: ChildProcess;
  /** SIGTERM (then SIGKILL after 5s); pass SIGKILL to simulate a crash. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Where FerretDB keeps the data: SQLite files in a folder, or a PostgreSQL server. */
export type MongoTestServerOptions = ({ sqliteDir: string } | { postgresqlUrl: string }) & {
  /** host:port; 127.0.0.1:0 picks a free port. */
  listen?: string;
};

/** Starts the embedded FerretDB and resolves once it accepts connections. It exits when this process does. */
export async function startMongoTestServer(binary: string, options: MongoTestServerOptions): Promise<RunningMongoTestServer> {
  const args = ['-listen', options.listen ?? '127.0.0.1:0', '-exit-on-stdin-close'];
  // The URL holds a password: in the environment, not on a command line that every local user can read.
  const env: Record<string, string> = 'postgresqlUrl' in options ? { FERRETDB_POSTGRESQL_URL: options.postgresqlUrl } : {};
  args.push(...('sqliteDir' in options ? ['-sqlite-dir', options.sqliteDir] : ['-handler', 'postgresql']));
  const server = await startGoTool(binary, args, 'mongo-test-server', undefined, env);
  return { uri: server.address, process: server.process, stop: server.stop };
}

/**
 * The embedded FerretDB on a PostgreSQL of its own (npm start's default), with the cluster in `dir`, both on free
 * ports; `stop` stops both. For benchmarks and tests, which throw away `dir` afterwards.
 */
export async function startMongoTestServerOnEmbeddedPostgres(dir: string): Promise<{ uri: string; stop(): Promise<void> }> {
  const postgres = await startEmbeddedPostgres(dir);
  const exited = new Promise((done) => postgres.process.once('exit', done));
  try {
    const server = await startMongoTestServer(buildMongoTestServer(), { postgresqlUrl: postgres.url });
    const stop = async () => {
      await server.stop();
      postgres.process.kill('SIGINT');
      await exited;
    };
    return { uri: server.uri, stop };
  } catch (error) {
    postgres.process.kill('SIGINT');
    throw error;
  }
}
