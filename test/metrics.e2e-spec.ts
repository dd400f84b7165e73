import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import request from 'supertest';
import { ALL_QUEUE_NAMES, QUEUES } from '../src/jobs/queues';
import { join } from 'node:path';
import { listenForMetrics, metricsUsedByRules, samples, scrape, total } from './harness/metrics';
import { uploadAs } from './harness/posts';
import { eventually } from './harness/servers';
import { TestContext, type TestUser } from './harness/test-app';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

describe('Prometheus metrics on the API and the worker', () => {
  const ctx = new TestContext(__filename);
  let api: NestExpressApplication;
  let worker: NestExpressApplication;
  let apiMetrics: string;
  let workerMetrics: string;
  let user: TestUser;
  let key: string;

  beforeAll(async () => {
    api = await ctx.startApp({ MALTED_MODE: 'api', METRICS_TOKEN, LOGIN_RATE_LIMIT_PER_MINUTE: '2' });
    worker = await ctx.startApp({ MALTED_MODE: 'worker' });
    apiMetrics = await listenForMetrics(api);
    workerMetrics = await listenForMetrics(worker);

    user = await ctx.newUser(api);
    ({ key } = await uploadAs(api, user, { title: 'counted' }));
    await ctx.http(api).get(`/api/v1/files/${key}`).expect(200); // a miss
    await ctx.http(api).get(`/api/v1/files/${key}`).expect(200).expect('X-Cache', 'HIT');
    await ctx.http(api).get(`/api/v1/files/${key}/raw`).expect(200);
    await ctx.http(api).get(`/api/v1/users/${user.username}`).expect(200);
    await ctx.http(api).get(`/api/v1/files/${key}x/raw`).expect(404);
    await ctx.http(api).get(`/nothing/here/${user.username}`).expect(404);
    await ctx.http(api).get(`/api/v1/nothing/${key}`).expect(404);
    await ctx
      .http(api)
      .post('/api/v1/files')
      .set('Authorization', user.auth)
      .attach('file', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), { filename: 'a.png', contentType: 'image/png' })
      .expect(415);
    for (let i = 0; i < 3; i++) {
      await ctx.http(api).post('/api/v1/auth/login').send({ login: user.username, password: 'wrong password!' });
    }
  });
  afterAll(() => ctx.close());

  it('is not served on the API port, and the metrics port wants METRICS_TOKEN when one is set', async () => {
    const onApiPort = await ctx.http(api).get('/metrics');
    expect(onApiPort.status).toBe(404);
    expect(onApiPort.text).not.toContain('malted_http_requests_total');
    await ctx.http(worker).get('/metrics').expect(404);

    const anonymous = await request(apiMetrics).get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('malted_');
    await request(apiMetrics).get('/metrics').set('Authorization', 'Bearer not-the-metrics-token-at-all').expect(401);
    await request(apiMetrics).get('/metrics').set('Authorization', user.auth).expect(401);
    await request(apiMetrics).get('/elsewhere').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(404);
    await scrape(apiMetrics, METRICS_TOKEN);
  });

  it('counts requests under their route template and status class, never under a raw URL', async () => {
    const { text, families } = await scrape(apiMetrics, METRICS_TOKEN);

    expect(total(families, 'malted_http_requests_total', { method: 'GET', route: '/api/v1/files/:key', status_class: '2xx' })).toBe(2);
    expect(total(families, 'malted_http_requests_total', { method: 'GET', route: '/api/v1/files/:key/raw', status_class: '2xx' })).toBe(1);
    expect(total(families, 'malted_http_requests_total', { method: 'GET', route: '/api/v1/files/:key/raw', status_class: '4xx' })).toBe(1);
    expect(total(families, 'malted_http_requests_total', { method: 'POST', route: '/api/v1/files', status_class: '2xx' })).toBe(1);
    expect(total(families, 'malted_http_requests_total', { method: 'POST', route: '/api/v1/files', status_class: '4xx' })).toBe(1);
    expect(total(families, 'malted_http_requests_total', { method: 'GET', route: '/api/v1/users/:username' })).toBe(1);
    expect(total(families, 'malted_http_requests_total', { route: 'unmatched', status_class: '4xx' })).toBeGreaterThanOrEqual(2);
    const routes = new Set(samples(families, 'malted_http_requests_total').map((sample) => sample.labels.route));
    expect([...routes].filter((route) => route.includes('*'))).toEqual([]);

    const [histogram] = samples(families, 'malted_http_request_duration_seconds', { route: '/api/v1/files/:key', status_class: '2xx' });
    expect(Number(histogram.count)).toBe(2);
    expect(Number(histogram.sum)).toBeGreaterThan(0);
    expect(Number(histogram.sum)).toBeLessThan(30);
    expect(Number(histogram.buckets?.['+Inf'])).toBe(2);
    expect(families.get('malted_http_requests_in_flight')?.type).toBe('GAUGE');
    expect(total(families, 'malted_http_requests_in_flight')).toBe(0);

    // No share key or username anywhere: not in a label, not in any line.
    for (const family of families.values()) {
      for (const sample of family.metrics) {
        for (const value of Object.values(sample.labels)) {
          expect(value).not.toContain(key);
          expect(value).not.toContain(user.username);
        }
      }
    }
    expect(text).not.toContain(key);
    expect(text).not.toContain(user.username);
  });

  it('counts the response cache, rate-limit rejections, uploads by outcome and bytes served', async () => {
    const { families } = await scrape(apiMetrics, METRICS_TOKEN);

    expect(total(families, 'malted_cache_responses_total', { outcome: 'hit' })).toBe(1);
    expect(total(families, 'malted_cache_responses_total', { outcome: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(total(families, 'malted_cache_responses_total', { outcome: 'bypass' })).toBeGreaterThanOrEqual(0);
    expect(total(families, 'malted_cache_errors_total')).toBe(0);

    expect(total(families, 'malted_rate_limit_rejections_total', { limit: 'login' })).toBe(1);

    expect(total(families, 'malted_uploads_accepted_total')).toBe(1);
    expect(total(families, 'malted_uploads_refused_total', { reason: 'unsupported_type' })).toBe(1);

    const metadata = await ctx.http(api).get(`/api/v1/files/${key}`).expect(200);
    const size = (metadata.body as { size: number }).size;
    expect(size).toBeGreaterThan(0);
    expect(total(families, 'malted_served_bytes_total')).toBe(size);
  });

  it('holds the job counts of every queue, and the default process metrics', async () => {
    const { families } = await scrape(apiMetrics, METRICS_TOKEN);
    const queues = new Set(samples(families, 'malted_queue_jobs').map((sample) => sample.labels.queue));
    expect([...queues].sort()).toEqual([...ALL_QUEUE_NAMES].sort());
    for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
      expect(samples(families, 'malted_queue_jobs', { queue: 'files', state })).toHaveLength(1);
    }
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_heap_size_used_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(families.has(name)).toBe(true);
    }
    expect(total(families, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
  });

  it("counts a job on the worker's /metrics after the worker ran it, and a failure by queue and job name", async () => {
    const queue = api.get<Queue>(getQueueToken(QUEUES.system.name));
    const before = await scrape(workerMetrics);
    const completedBefore = total(before.families, 'malted_job_duration_seconds', {
      queue: 'system',
      job: 'heartbeat',
      outcome: 'completed',
    });

    const job = await queue.add(QUEUES.system.jobs.heartbeat, {});
    await job.finished();
    const failing = await queue.add('no-such-job', {}, { attempts: 1 });
    await expect(failing.finished()).rejects.toThrow();

    const after = await eventually(
      () => scrape(workerMetrics),
      ({ families }) => total(families, 'malted_job_failures_total', { queue: 'system', job: 'no-such-job' }) === 1,
    );
    const [ran] = samples(after.families, 'malted_job_duration_seconds', { queue: 'system', job: 'heartbeat', outcome: 'completed' });
    expect(Number(ran.count)).toBe(completedBefore + 1);
    expect(Number(ran.sum)).toBeGreaterThanOrEqual(0);
    expect(Number(ran.sum)).toBeLessThan(10);

    // The API ran no job; it only queued them.
    const apiSide = await scrape(apiMetrics, METRICS_TOKEN);
    expect(apiSide.text).toContain('# TYPE malted_job_failures_total counter');
    expect(total(apiSide.families, 'malted_job_failures_total')).toBe(0);

    // The failed job is in the failed count of the system queue once the cached counts expire.
    await eventually(
      () => scrape(workerMetrics),
      ({ families }) => total(families, 'malted_queue_jobs', { queue: 'system', state: 'failed' }) >= 1,
      15_000,
    );
  });

  it('exports every metric the starter alerts (docs/observe/prometheus-rules.yaml) use, and Prometheus loads them', async () => {
    const used = metricsUsedByRules(join(__dirname, '..', 'docs', 'observe', 'prometheus-rules.yaml'));
    expect(used.length).toBeGreaterThan(3);
    const exported = new Set<string>();
    for (const { text } of [await scrape(apiMetrics, METRICS_TOKEN), await scrape(workerMetrics)]) {
      // From the TYPE lines: a family with no sample yet (no job failed) is still exported.
      for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
        exported.add(name);
        if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(name + suffix);
      }
    }
    const ours = used.filter((name) => !name.startsWith('kube_')); // kube-state-metrics
    expect(ours.filter((name) => !exported.has(name))).toEqual([]);
  });
});
