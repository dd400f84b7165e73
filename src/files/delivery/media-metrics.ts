import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '../../common/metrics/metrics-registry';

/** The media hot path: lookups answered from memory or the database, and what the caches hold. */
@Injectable()
export class MediaMetrics {
  /** Bound once, so that counting a lookup on the hot path is one increment. */
  readonly hit: Counter.Internal;
  readonly miss: Counter.Internal;
  private readers: { entries: () => number; trusted: () => boolean; bytes: () => number } = {
    entries: () => 0,
    trusted: () => false,
    bytes: () => 0,
  };

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    const lookups = new Counter({
      name: 'malted_media_lookups_total',
      help: 'Media requests by where their share key was found: the in-process cache (hit) or the database (miss)',
      labelNames: ['result'],
      registers,
    });
    this.hit = lookups.labels('hit');
    this.miss = lookups.labels('miss');
    const read = () => this.readers;
    new Gauge({
      name: 'malted_media_cache_entries',
      help: 'Share keys held in the media cache',
      registers,
      collect() {
        this.set(read().entries());
      },
    });
    new Gauge({
      name: 'malted_media_cache_trusted',
      help: '1 while the invalidation feed was read within MEDIA_CACHE_MAX_LAG_MS (the cache is used), else 0',
      registers,
      collect() {
        this.set(read().trusted() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'malted_media_bytes_cache_bytes',
      help: 'Bytes of small objects held in memory',
      registers,
      collect() {
        this.set(read().bytes());
      },
    });
  }

  /** Where the gauges read from (MediaDelivery, once it is built). */
  observe(readers: { entries: () => number; trusted: () => boolean; bytes: () => number }): void {
    this.readers = readers;
  }
}
