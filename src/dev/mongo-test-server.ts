import type { ChildProcess } from 'node:child_process';
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
