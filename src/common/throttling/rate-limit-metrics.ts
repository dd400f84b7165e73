import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

/** Requests refused with 429, by the limit that refused them (default, login, register). */
@Injectable()
export class RateLimitMetrics {
  private readonly rejections: Counter<'limit'>;

  constructor(metrics: MetricsRegistry) {
    this.rejections = new Counter({
      name: 'malted_rate_limit_rejections_total',
      help: 'Requests refused with 429 by a rate limit',
      labelNames: ['limit'],
      registers: [metrics.registry],
    });
  }

  rejected(limit: string): void {
    this.rejections.inc({ limit });
  }
}
