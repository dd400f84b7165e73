import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMongoTestServer, startMongoTestServer, type RunningMongoTestServer } from '../src/dev/mongo-test-server';
import { mongoUriFor, TestContext } from './harness/test-app';
import { DisposableRedis, eventually, freePort } from './harness/servers';

describe('health', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  /** Readiness is eventual (a check right after start-up on a busy machine may exceed its timeout). */
  const readiness = (app: NestExpressApplication, status: number, timeoutMs: number) =>
    eventually(
      () => ctx.http(app).get('/health/ready'),
      (res) => res.status === status,
      timeoutMs,
    );

  it('says the process is alive and ready when MongoDB and Redis answer', async () => {
    const app = await ctx.startApp();
    await ctx.http(app).get('/health/live').expect(200, { status: 'ok' });
    const ready = await readiness(app, 200, 5000);
    expect(ready.status).toBe(200);
    expect(ready.body.info).toEqual({ mongodb: { status: 'up' }, redis: { status: 'up' } });
  });

  it('turns 503 within seconds while Redis is away and 200 again when it returns', async () => {
    const redis = new DisposableRedis(await freePort());
    await redis.start();
    let app: NestExpressApplication | undefined;
    try {
      app = await ctx.startApp({ REDIS_URL: redis.url, HEALTH_CHECK_TIMEOUT_MS: '500' });
      expect((await readiness(app, 200, 5000)).status).toBe(200);

      await redis.stop();
      const started = Date.now();
      const down = await readiness(app, 503, 5000);
      expect(down.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(down.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
      expect(down.body.message).toMatch(/redis down/);

      await redis.start();
      const up = await readiness(app, 200, 10_000);
      expect(up.status).toBe(200);
    } finally {
      // Closed while its servers answer: closing the apps of both outage tests after their servers were gone hung.
      if (app) await ctx.closeApp(app);
      await redis.stop();
    }
  });

  it('turns 503 while the database is away and 200 again when it returns', async () => {
    let server: RunningMongoTestServer | undefined;
    const port = await freePort();
    const sqliteDir = join(mkdtempSync(join(tmpdir(), 'malted-health-')), 'data');
    const startDatabase = async () => {
      server = await startMongoTestServer(buildMongoTestServer(), { sqliteDir, listen: `127.0.0.1:${port}` });
    };
    await startDatabase();
    let app: NestExpressApplication | undefined;
    try {
      app = await ctx.startApp({
        MONGODB_URI: mongoUriFor('health', server!.uri),
        HEALTH_CHECK_TIMEOUT_MS: '500',
      });
      expect((await readiness(app, 200, 5000)).status).toBe(200);

      await server!.stop('SIGKILL');
      const down = await readiness(app, 503, 5000);
      expect(down.status).toBe(503);
      expect(down.body.message).toMatch(/mongodb down/);

      await startDatabase();
      const up = await readiness(app, 200, 20_000);
      expect(up.status).toBe(200);
    } finally {
      if (app) await ctx.closeApp(app);
      await server?.stop();
    }
  });
});
