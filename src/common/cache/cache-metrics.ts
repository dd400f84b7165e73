import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '../metrics/metrics-registry';

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

/**
 * Counts of the response cache in this process, also exported as Prometheus counters. `errors` counts Redis
 * failures and timeouts (each one also served the request uncached, so it is a bypass too).
 */
@Injectable()
export class CacheMetrics {
  hits = 0;
  misses = 0;
  bypasses = 0;
  errors = 0;
  private readonly responses: Counter<'outcome'>;
  private readonly failures: Counter;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    this.responses = new Counter({
      name: 'malted_cache_responses_total',
      help: 'Responses of @CachedResponse routes by cache outcome (hit, miss, bypass)',
      labelNames: ['outcome'],
      registers,
    });
    this.failures = new Counter({
      name: 'malted_cache_errors_total',
      help: 'Response cache lookups or saves that failed or timed out (served uncached)',
      registers,
    });
    for (const outcome of ['hit', 'miss', 'bypass']) this.responses.inc({ outcome }, 0);
  }

  count(outcome: CacheOutcome): void {
    if (outcome === 'hit') this.hits += 1;
    else if (outcome === 'miss') this.misses += 1;
    else this.bypasses += 1;
    this.responses.inc({ outcome });
  }

  failed(): void {
    this.errors += 1;
    this.failures.inc();
  }

  snapshot(): { hits: number; misses: number; bypasses: number; errors: number } {
    return { hits: this.hits, misses: this.misses, bypasses: this.bypasses, errors: this.errors };
  }
}
