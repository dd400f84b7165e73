import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mongoose from 'mongoose';
import request from 'supertest';
import { tcpAnswers } from '../src/dev/probes';
import { buildMongoTestServer, startMongoTestServer } from '../src/dev/mongo-test-server';
import { MainProcess } from './harness/main-process';
import { eventually, freePort } from './harness/servers';
import { TestContext } from './harness/test-app';

/** What `npm start` does about the database when MONGODB_URI is not set (and no mongod is on PATH). */
describe('the embedded database of npm start', () => {
  const ctx = new TestContext(__filename);
  const processes: MainProcess[] = [];
  // The PostgreSQL user (when the tests run as root) must be able to reach the data directory.
  const scratch = mkdtempSync(join(tmpdir(), 'malted-embedded-'));
  chmodSync(scratch, 0o755);
  const EMBEDDED = 'mongodb://127.0.0.1:27017/malted';

  beforeAll(async () => {
    if (await tcpAnswers('127.0.0.1', 27017)) throw new Error('something answers on 127.0.0.1:27017: these tests need that port free');
  });
  afterAll(async () => {
    processes.forEach((main) => main.kill());
    await ctx.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** `npm start` in `cwd` with nothing about the database configured; resolves once it is ready. */
  const start = async (cwd: string) => {
    const port = await freePort();
    const main = new MainProcess(
      {
        PORT: String(port),
        METRICS_PORT: String(await freePort()),
        HOST: '127.0.0.1',
        REDIS_URL: process.env.MALTED_TEST_REDIS_URL!,
        REDIS_KEY_PREFIX: ctx.prefix,
      },
      cwd,
    );
    processes.push(main);
    const ready = await main.readiness(port, 60_000);
    expect({ ready, stderr: main.stderr }).toEqual({ ready: 200, stderr: main.stderr });
    return { main, http: request(`http://127.0.0.1:${port}`) };
  };
  const stop = async (main: MainProcess) => {
    main.child.kill('SIGTERM');
    await expect(main.exited).resolves.toBe(0);
    // Nothing it started is left answering.
    await eventually(
      () => tcpAnswers('127.0.0.1', 27017),
      (answers) => !answers,
    );
  };
  const messages = (main: MainProcess) => main.logLines().map((line) => String(line.msg));
  const usernames = async () => {
    const connection = await mongoose.createConnection(EMBEDDED).asPromise();
    try {
      return (await connection.collection('users').find().toArray()).map((user) => user.username as string);
    } finally {
      await connection.close();
    }
  };

  it('keeps a new data directory in FerretDB on an embedded PostgreSQL under ./data/postgres, which outlives a restart', async () => {
    const cwd = mkdtempSync(join(scratch, 'new-'));
    chmodSync(cwd, 0o755);
    const first = await start(cwd);
    await first.http
      .post('/api/v1/auth/register')
      .send({ username: 'newcomer', email: 'n@example.com', password: 'a long password 1' })
      .expect(201);
    expect(messages(first.main)).toContainEqual(expect.stringMatching(/^PostgreSQL created and started on 127\.0\.0\.1:\d+/));
    expect(existsSync(join(cwd, 'data', 'postgres', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(cwd, 'data', 'ferretdb'))).toBe(false);
    // The password is nowhere in the log.
    const password = readFileSync(join(cwd, 'data', 'postgres.password'), 'utf8').trim();
    expect(first.main.stdout + first.main.stderr).not.toContain(password);
    await stop(first.main);

    const second = await start(cwd);
    expect(messages(second.main)).toContainEqual(expect.stringMatching(/^PostgreSQL started on/));
    expect(await usernames()).toEqual(['newcomer']);
    await stop(second.main);
  });

  it('keeps the SQLite data of an earlier start where there is some, instead of starting an empty PostgreSQL', async () => {
    const cwd = mkdtempSync(join(scratch, 'earlier-'));
    const sqliteDir = join(cwd, 'data', 'ferretdb');
    const earlier = await startMongoTestServer(buildMongoTestServer(), { sqliteDir });
    const connection = await mongoose.createConnection(`${earlier.uri}malted`).asPromise();
    await connection.collection('users').insertOne({ username: 'old_timer' });
    await connection.close();
    await earlier.stop();
    expect(readdirSync(sqliteDir)).toContain('malted.sqlite');

    const { main } = await start(cwd);
    expect(messages(main)).toContainEqual(expect.stringMatching(/^keeping the embedded database on SQLite/));
    expect(existsSync(join(cwd, 'data', 'postgres'))).toBe(false);
    expect(await usernames()).toEqual(['old_timer']);
    await stop(main);
  });
});
