import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Environment, ResolvedEnvironment } from '../config/environment';
import { startEmbeddedPostgres } from './embedded-postgres';
import { goIsAvailable } from './go-tool';
import { redisAnswers, tcpAnswers, waitFor } from './probes';
import { buildMongoTestServer, startMongoTestServer } from './mongo-test-server';

type Log = (message: string) => void;

const LOCAL_REDIS = { host: '127.0.0.1', port: 6379 };
const LOCAL_MONGO_PORT = 27017;

/**
 * Development convenience: when MONGODB_URI or REDIS_URL is unset (never in production, where the
 * configuration requires both), find or start a local server so that `npm start` needs no set-up.
 * Returns the environment with both URLs filled in and a function that stops what was started.
 */
export async function resolveLocalServices(env: Environment, log: Log): Promise<{ env: ResolvedEnvironment; stop: () => Promise<void> }> {
  const started: ChildProcess[] = [];
  const dataDir = resolve(env.DATA_DIR);
  const stop = async () => {
    await Promise.all(started.map((child) => stopChild(child)));
  };
  try {
    const REDIS_URL = env.REDIS_URL ?? (env.REDIS_CLUSTER_NODES ? undefined : await localRedis(dataDir, started, log));
    const MONGODB_URI = env.MONGODB_URI ?? (await localMongo(dataDir, started, log));
    return { env: { ...env, REDIS_URL, MONGODB_URI }, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function localRedis(dataDir: string, started: ChildProcess[], log: Log): Promise<string> {
  const url = `redis://${LOCAL_REDIS.host}:${LOCAL_REDIS.port}`;
  if (await redisAnswers(LOCAL_REDIS.host, LOCAL_REDIS.port)) return url;
  if (!onPath('redis-server')) {
    throw new Error(
      'REDIS_URL is not set, no Redis answers on 127.0.0.1:6379 and there is no redis-server on PATH. ' +
        'Install Redis (e.g. `apt-get install redis-server` or `brew install redis`) or set REDIS_URL.',
    );
  }
  const dir = join(dataDir, 'redis');
  mkdirSync(dir, { recursive: true });
  log(`starting redis-server on ${LOCAL_REDIS.host}:${LOCAL_REDIS.port} (data in ${dir})`);
  const child = spawn('redis-server', ['--bind', LOCAL_REDIS.host, '--port', String(LOCAL_REDIS.port), '--dir', dir, '--save', '60 1'], {
    stdio: 'ignore',
  });
  started.push(child);
  await waitFor(() => redisAnswers(LOCAL_REDIS.host, LOCAL_REDIS.port), 10_000, 'redis-server');
  return url;
}

/** A server already answering on 27017 (a running mongod, or the FerretDB another Malted process started) wins. */
async function localMongo(dataDir: string, started: ChildProcess[], log: Log): Promise<string> {
  const uri = `mongodb://127.0.0.1:${LOCAL_MONGO_PORT}/malted`;
  if (await tcpAnswers('127.0.0.1', LOCAL_MONGO_PORT)) return uri;
  if (onPath('mongod')) {
    const dbPath = join(dataDir, 'mongodb');
    mkdirSync(dbPath, { recursive: true });
    log(`starting mongod on 127.0.0.1:${LOCAL_MONGO_PORT} (data in ${dbPath})`);
    started.push(
      spawn('mongod', ['--dbpath', dbPath, '--bind_ip', '127.0.0.1', '--port', String(LOCAL_MONGO_PORT)], {
        stdio: 'ignore',
      }),
    );
    await waitFor(() => tcpAnswers('127.0.0.1', LOCAL_MONGO_PORT), 30_000, 'mongod');
    return uri;
  }
  if (goIsAvailable()) {
    const listen = `127.0.0.1:${LOCAL_MONGO_PORT}`;
    const binary = buildMongoTestServer();
    const postgres = await embeddedPostgres(dataDir, started, log);
    if (postgres) {
      log('no mongod on PATH: starting the embedded FerretDB server (tools/mongo-test-server) on it');
      const server = await startMongoTestServer(binary, { postgresqlUrl: postgres.url, listen });
      started.push(server.process);
      log(`FerretDB listening on ${listen}, its data in PostgreSQL (${join(dataDir, 'postgres')})`);
      return uri;
    }
    const sqliteDir = join(dataDir, 'ferretdb');
    log('no mongod on PATH: building and starting the embedded FerretDB server (tools/mongo-test-server) on SQLite');
    const server = await startMongoTestServer(binary, { sqliteDir, listen });
    started.push(server.process);
    log(`FerretDB listening on ${listen} (data in ${sqliteDir})`);
    return uri;
  }
  throw new Error(
    'MONGODB_URI is not set and no local MongoDB-compatible server can be started: install MongoDB (mongod on PATH) ' +
      'or Go (to build the embedded FerretDB in tools/mongo-test-server), or set MONGODB_URI.',
  );
}

/**
 * The embedded FerretDB's PostgreSQL (DATA_DIR/postgres), unless this data directory already holds the SQLite
 * data of an earlier start (DATA_DIR/ferretdb), which is kept. FerretDB on PostgreSQL is the sturdier of the two
 * as data grows (README, "Capacity of the embedded default"). Where PostgreSQL cannot run (no binaries, or root
 * without a postgres user), a new data directory falls back to SQLite; an existing PostgreSQL cluster that
 * does not start is an error, never a silent switch to an empty database.
 */
async function embeddedPostgres(dataDir: string, started: ChildProcess[], log: Log): Promise<{ url: string } | undefined> {
  const sqliteDir = join(dataDir, 'ferretdb');
  const postgresDir = join(dataDir, 'postgres');
  const hasCluster = existsSync(join(postgresDir, 'PG_VERSION'));
  if (!hasCluster && existsSync(sqliteDir) && readdirSync(sqliteDir).some((file) => file.endsWith('.sqlite'))) {
    log(`keeping the embedded database on SQLite (${sqliteDir}); new data directories use PostgreSQL, which is faster as data grows`);
    return undefined;
  }
  try {
    const postgres = await startEmbeddedPostgres(postgresDir);
    started.push(postgres.process);
    log(`PostgreSQL ${hasCluster ? 'started' : 'created and started'} on 127.0.0.1:${postgres.port} (data in ${postgresDir})`);
    return postgres;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (hasCluster) throw new Error(`the embedded PostgreSQL in ${postgresDir} did not start: ${reason}`, { cause: error });
    log(`the embedded PostgreSQL cannot run here (${reason}): FerretDB keeps its data in SQLite instead, slower as data grows`);
    return undefined;
  }
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}
