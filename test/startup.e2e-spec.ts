import request from 'supertest';
import { MainProcess } from './harness/main-process';
import { eventually, freePort } from './harness/servers';
import { mongoUriFor, TestContext } from './harness/test-app';

describe('the main process', () => {
  const ctx = new TestContext(__filename);
  const processes: MainProcess[] = [];
  const run = (env: Record<string, string>) => {
    const main = new MainProcess(env);
    processes.push(main);
    return main;
  };
  afterAll(async () => {
    processes.forEach((main) => main.kill());
    await ctx.close();
  });

  it.each([
    [{ PORT: 'not-a-port' }, /PORT/],
    [{ MALTED_MODE: 'everything' }, /MALTED_MODE/],
    [{ MONGODB_URI: 'postgres://localhost/db' }, /MONGODB_URI must be a mongodb:\/\//],
    [{ NODE_ENV: 'production' }, /MONGODB_URI is required when NODE_ENV=production[\s\S]*REDIS_URL is required/],
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
      SHUTDOWN_DRAIN_MS: '2000',
    });
    const http = request(`http://127.0.0.1:${port}`);
    const ready = await eventually(
      () => http.get('/health/ready').then((res) => res.status, () => 0),
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
    const draining = await eventually(() => http.get('/health/ready').then((res) => res.status), (s) => s === 503, 1500);
    expect(draining).toBe(503);
    await http.get('/health/live').expect(200); // still serving while the load balancer catches up

    await expect(main.exited).resolves.toBe(0);
    expect(main.stdout).toMatch(/shutting down/);
  });
});
