import { LRUCache } from 'lru-cache';
import type { MediaCacheSink } from '../../common/cache/media-invalidations.service';
import type { MediaEntry } from './media-entry';

export interface MediaEntryCacheOptions {
  /** Most entries kept (least recently used go first); 0 turns the cache off. */
  maxEntries: number;
  /** The bound: entries are used only while the feed was confirmed within this many ms. */
  maxLagMs: number;
  ttlMs: number;
  now?: () => number;
}

/**
 * Share key → MediaEntry, bounded, and trusted only while the invalidation feed keeps up: every get first checks
 * that the feed confirmed it had delivered everything at most maxLagMs ago (one comparison); if not, the cache
 * drops everything and answers nothing until the feed is back. A load from the database is kept only if no
 * invalidation arrived while it ran (the epoch did not move), so a delete racing a load cannot leave a stale entry.
 */
export class MediaEntryCache implements MediaCacheSink {
  private readonly entries?: LRUCache<string, { entry: MediaEntry; expiresAt: number }>;
  private readonly maxLagMs: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private confirmedAt = Number.NEGATIVE_INFINITY;
  private epoch = 0;

  constructor(options: MediaEntryCacheOptions) {
    this.maxLagMs = options.maxLagMs;
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
    // The TTL is checked here, against the clock read for the lag anyway (lru-cache's own TTL keeps a timer).
    if (options.maxEntries > 0) this.entries = new LRUCache({ max: options.maxEntries });
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** Whether entries may be served now: the feed was read to its end within the bound. */
  get trusted(): boolean {
    return this.now() - this.confirmedAt <= this.maxLagMs;
  }

  get(key: string): MediaEntry | undefined {
    if (!this.entries) return undefined;
    const now = this.now();
    if (now - this.confirmedAt > this.maxLagMs) {
      if (this.entries.size > 0) this.flush();
      return undefined;
    }
    const held = this.entries.get(key);
    if (held && held.expiresAt < now) {
      this.entries.delete(key);
      return undefined;
    }
    return held?.entry;
  }

  /** Call before reading from the database; pass the result to set(). */
  loadStarted(): number {
    return this.epoch;
  }

  /** Keeps an entry loaded since `epoch`, unless an invalidation came meanwhile or the feed is behind. */
  set(entry: MediaEntry, epoch: number): void {
    if (!this.entries || epoch !== this.epoch || !this.trusted) return;
    this.entries.set(entry.key, { entry, expiresAt: this.now() + this.ttlMs });
  }

  evict(keys: string[]): void {
    this.epoch++;
    for (const key of keys) this.entries?.delete(key);
  }

  flush(): void {
    this.epoch++;
    this.entries?.clear();
  }

  confirm(at: number): void {
    if (at > this.confirmedAt) this.confirmedAt = at;
  }
}
