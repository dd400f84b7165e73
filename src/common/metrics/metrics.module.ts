import { Global, Module } from '@nestjs/common';
import { HttpMetrics } from './http-metrics';
import { MetricsRegistry } from './metrics-registry';
import { MetricsServer } from './metrics-server';

/**
 * Prometheus metrics for every module: each feature registers its own metric objects on the app's
 * MetricsRegistry; MetricsServer serves them at GET /metrics on METRICS_PORT (main.ts starts it).
 */
@Global()
@Module({
  providers: [MetricsRegistry, HttpMetrics, MetricsServer],
  exports: [MetricsRegistry, HttpMetrics, MetricsServer],
})
export class MetricsModule {}
