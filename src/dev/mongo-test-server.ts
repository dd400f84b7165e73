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

export interface MongoTestServerOptions {
  sqliteDir: string;
  /** host:port; 127.0.0.1:0 picks a free port. */
  listen?: string;
}

/** Starts the embedded FerretDB and resolves once it accepts connections. It exits when this process does. */
export async function startMongoTestServer(binary: string, options: MongoTestServerOptions): Promise<RunningMongoTestServer> {
  const args = ['-listen', options.listen ?? '127.0.0.1:0', '-sqlite-dir', options.sqliteDir, '-exit-on-stdin-close'];
  const server = await startGoTool(binary, args, 'mongo-test-server');
  return { uri: server.address, process: server.process, stop: server.stop };
}
