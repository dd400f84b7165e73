import { simpleParser } from 'mailparser';
import mongoose from 'mongoose';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DEFAULT_VARIANTS } from '../src/files/images/variants';
import { isFerretDb } from '../src/common/database/ferretdb';
import { png, randomColor } from './harness/images';
import { MainProcess, onTestServers } from './harness/main-process';
import { eventually, freePort } from './harness/servers';
import { mongoUriFor, TestContext } from './harness/test-app';

describe('the main process', () => {
  const ctx = new TestContext(__filename);
  const processes: MainProcess[] = [];
  const run = (env: Record<string, string>, cwd?: string) => {
    const main = new MainProcess(env, cwd);
    processes.push(main);
    return main;
  };
  const scratch = mkdtempSync(join(tmpdir(), 'malted-startup-'));
  afterAll(async () => {
    processes.forEach((main) => main.kill());
    await ctx.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A main process on the test servers, with nothing about storage configured unless `env` says so. */
  const startOnTestServers = async (env: Record<string, string>, cwd?: string) => {
    const { port, env: onServers } = await onTestServers(ctx);
    const main = run({ ...onServers, ...env }, cwd);
    expect(await main.readiness(port)).toBe(200);
    return { main, http: request(`http://127.0.0.1:${port}`) };
  };
  const warningsOf = (main: MainProcess) =>
    main
      .logLines()
      .filter((line) => line.level === 40)
      .map((line) => String(line.msg));

  it.each([
    [{ PORT: 'not-a-port' }, /PORT/],
    [{ MALTED_MODE: 'everything' }, /MALTED_MODE/],
    [{ MONGODB_URI: 'postgres://localhost/db' }, /MONGODB_URI must be a mongodb:\/\//],
    [{ NODE_ENV: 'production' }, /MONGODB_URI is required when NODE_ENV=production[\s\S]*REDIS_URL is required/],
    [
      {
        NODE_ENV: 'production',
        MONGODB_URI: 'mongodb://db/malted',
        REDIS_URL: 'redis://redis:6379',
        PUBLIC_URL: 'https://malted.example.com',
      },
      /SMTP_URL is required when NODE_ENV=production while EMAIL_VERIFICATION_ENABLED or PASSWORD_RESET_ENABLED is true/,
    ],
  ])('refuses to start with %j and names the variable', async (env, message) => {
    const main = run(env);
    await expect(main.exited).resolves.toBe(78);
    expect(main.stderr).toMatch(/Invalid configuration/);
    expect(main.stderr).toMatch(message);
    expect(main.stderr).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('logs JSON lines with the request id, serves /metrics on METRICS_PORT, and on SIGTERM drains (ready 503), then exits 0', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    const main = run({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      MONGODB_URI: mongoUriFor(ctx.database),
      REDIS_URL: process.env.MALTED_TEST_REDIS_URL!,
      REDIS_KEY_PREFIX: ctx.prefix,
      STORAGE_LOCAL_DIR: ctx.filesDir, // not ./data/files of the repository
      SHUTDOWN_DRAIN_MS: '2000',
    });
    const http = request(`http://127.0.0.1:${port}`);
    const ready = await eventually(
      () =>
        http.get('/health/ready').then(
          (res) => res.status,
          () => 0,
        ),
      (status) => status === 200,
      30_000,
    );
    expect(ready).toBe(200);

    await http
      .get('/api/v1/nothing-here')
      .set('X-Request-Id', 'trace-0123456789')
      .set('Authorization', 'Bearer secret-token-xyz')
      .expect(404);
    const logged = await eventually(
      async () => main.logLines().find((line) => (line.req as { id?: string } | undefined)?.id === 'trace-0123456789'),
      Boolean,
      2000,
    );
    expect(logged).toMatchObject({ res: { statusCode: 404 } });
    expect(JSON.stringify(logged)).not.toContain('secret-token-xyz');

    const metrics = await request(`http://127.0.0.1:${metricsPort}`).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^malted_http_requests_total\{method="GET",route="unmatched",status_class="4xx"\} 1$/m);
    expect(metrics.text).not.toContain('nothing-here'); // a route template, never the path
    await http.get('/metrics').expect(404);

    main.child.kill('SIGTERM');
    const draining = await eventually(
      () => http.get('/health/ready').then((res) => res.status),
      (s) => s === 503,
      1500,
    );
    expect(draining).toBe(503);
    await http.get('/health/live').expect(200); // still serving while the load balancer catches up

    await expect(main.exited).resolves.toBe(0);
    expect(main.stdout).toMatch(/shutting down/);
  });

  it('stores uploads under ./data/files of its working directory when nothing is configured, as the README says (after the newcomer verifies with the mail in ./data/mail)', async () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toMatch(/^\| `STORAGE_DRIVER` \| `local` \|/m);
    expect(readme).toMatch(/^\| `STORAGE_LOCAL_DIR` \| `\.\/data\/files` \|/m);
    const cwd = mkdtempSync(join(scratch, 'npm-start-'));
    const { main, http } = await startOnTestServers({}, cwd);

    const registered = await http
      .post('/api/v1/auth/register')
      .send({ username: 'newcomer', email: 'n@example.com', password: 'a long password 1' })
      .expect(201);
    // Without SMTP_URL the verification mail is a file in ./data/mail; its link carries the token.
    const mails = await eventually(
      async () => (readdirSync(join(cwd, 'data')).includes('mail') ? readdirSync(join(cwd, 'data', 'mail')) : []),
      (files) => files.length > 0,
    );
    const mail = await simpleParser(readFileSync(join(cwd, 'data', 'mail', mails[0])));
    const token = /\/account\/verify-email\?token=(mle_[A-Za-z0-9_-]{43})/.exec(mail.text ?? '')![1];
    await http.post('/api/v1/auth/verify-email').send({ token }).expect(200);
    const image = await png(8, 8, randomColor());
    const uploaded = await http
      .post('/api/v1/files')
      .set('Authorization', `Bearer ${registered.body.token}`)
      .attach('file', image, 'a.png')
      .expect(201);
    // The original's object; the worker in this process may already have stored its variants beside it.
    const variantSuffixes = DEFAULT_VARIANTS.map((variant) => `-${variant.name}`);
    const stored = readdirSync(join(cwd, 'data', 'files')).filter(
      (name) => name.startsWith('src-') && !variantSuffixes.some((suffix) => name.endsWith(suffix)),
    );
    expect(stored).toHaveLength(1);
    expect(readFileSync(join(cwd, 'data', 'files', stored[0]))).toEqual(image);
    const raw = await http.get(`/api/v1/files/${uploaded.body.key}/raw`).buffer(true).expect(200);
    expect(raw.body).toEqual(image);
    expect(warningsOf(main).filter((message) => message.includes('GridFS'))).toEqual([]);
  });

  it('warns at start-up, with the measured reason, when GridFS runs on FerretDB', async () => {
    const connection = await mongoose.createConnection(mongoUriFor(ctx.database)).asPromise();
    const onFerretDb = await isFerretDb(connection.db!);
    await connection.close();
    const { main } = await startOnTestServers({ STORAGE_DRIVER: 'gridfs' });
    const warnings = warningsOf(main).filter((message) => message.startsWith('STORAGE_DRIVER=gridfs on FerretDB'));
    if (onFerretDb) {
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/took \d+ ms with [\d,]+ files stored/);
      expect(warnings[0]).toMatch(/STORAGE_DRIVER=local/);
    } else {
      expect(warnings).toEqual([]); // a real MongoDB: GridFS reads use their index
    }
  });
});
