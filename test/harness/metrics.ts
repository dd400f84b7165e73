import type { NestExpressApplication } from '@nestjs/platform-express';
import { spawnSync } from 'node:child_process';
import request from 'supertest';
import { buildGoTool } from '../../src/dev/go-tool';
import { MetricsServer } from '../../src/common/metrics/metrics-server';

/** One sample of a parsed metric family: a value (counters, gauges), or a histogram's count, sum and buckets. */
export interface Sample {
  labels: Record<string, string>;
  value?: number;
  count?: number;
  sum?: number;
  /** Upper bound ("0.5", "+Inf") → cumulative count. */
  buckets?: Record<string, number>;
}
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: Sample[];
}

/**
 * Parses a text exposition with the Prometheus project's own parser (expfmt, in tools/prometheus-check, built
 * once with Go like the test servers): what a real Prometheus refuses fails here too.
 */
export function parseExposition(text: string): MetricFamily[] {
  const result = spawnSync(buildGoTool('prometheus-check'), ['exposition'], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`not a valid Prometheus text exposition: ${result.stderr}`);
  // Floats arrive as strings ("NaN" is a valid sample value).
  const families = JSON.parse(result.stdout) as MetricFamily[];
  for (const family of families) {
    for (const sample of family.metrics) {
      if (sample.value !== undefined) sample.value = Number(sample.value);
      if (sample.sum !== undefined) sample.sum = Number(sample.sum);
    }
  }
  return families;
}

/** Loads a rules file as the Prometheus server does (YAML, PromQL, templates); the metric names its expressions select. */
export function metricsUsedByRules(file: string): string[] {
  const result = spawnSync(buildGoTool('prometheus-check'), ['rules', file], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`Prometheus refuses the rules in ${file}: ${result.stderr}`);
  return result.stdout.split('\n').filter(Boolean);
}

/** Starts the app's metrics listener on a free port of 127.0.0.1, as main.ts does on METRICS_PORT. */
export async function listenForMetrics(app: NestExpressApplication): Promise<string> {
  const port = await app.get(MetricsServer).listen(0, '127.0.0.1');
  return `http://127.0.0.1:${port}`;
}

/** Scrapes GET /metrics and parses it; fails on anything but a 200 in the Prometheus text format. */
export async function scrape(base: string, token?: string): Promise<{ text: string; families: Map<string, MetricFamily> }> {
  const req = request(base).get('/metrics');
  if (token) req.set('Authorization', `Bearer ${token}`);
  const res = await req;
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}: ${res.text}`);
  if (!String(res.headers['content-type']).startsWith('text/plain; version=0.0.4')) {
    throw new Error(`GET /metrics answered ${String(res.headers['content-type'])}`);
  }
  const families = parseExposition(res.text);
  return { text: res.text, families: new Map(families.map((family) => [family.name, family])) };
}

/** The samples of a family whose labels include `labels` (none if the family has no samples yet: Prometheus's parser drops it). */
export function samples(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): Sample[] {
  return (families.get(name)?.metrics ?? []).filter((sample) =>
    Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/** The sum of the values (counters, gauges) or counts (histograms) of the matching samples. */
export function total(families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}): number {
  return samples(families, name, labels).reduce((sum, sample) => sum + (sample.value ?? sample.count ?? 0), 0);
}
