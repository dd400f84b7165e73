import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The Prometheus registry of one application instance. Per app rather than prom-client's global one: tests
 * (and benchmarks) boot several apps in one process, and the global registry refuses a metric registered twice.
 * Holds the default Node process metrics (CPU, heap, GC, event loop lag) beside Malted's own.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
