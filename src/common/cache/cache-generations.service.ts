import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ResponseCacheStore } from './response-cache.store';

const RETRY_INTERVAL_MS = 2_000;

/**
 * The write side of the response cache: after a write, bump the scopes it changed so every pod's next read is
 * fresh. A bump never fails the write: when Redis does not answer, the scopes are kept and bumped again until it
 * does (entries cached before the write meanwhile expire with their TTL at the latest).
 */
@Injectable()
export class CacheGenerationsService implements OnModuleDestroy {
  private readonly logger = new Logger(CacheGenerationsService.name);
  private readonly pending = new Set<string>();
  private retryTimer?: NodeJS.Timeout;

  constructor(private readonly store: ResponseCacheStore) {}

  async bump(...scopes: (string | readonly string[])[]): Promise<void> {
    const unique = [...new Set(scopes.flat())];
    if (unique.length === 0) return;
    try {
      await this.store.bump(unique);
    } catch (error) {
      this.logger.warn({ err: error, scopes: unique.length }, 'cache generations not bumped yet: Redis does not answer');
      unique.forEach((scope) => this.pending.add(scope));
      this.scheduleRetry();
    }
  }

  onModuleDestroy(): void {
    clearTimeout(this.retryTimer);
  }

  private scheduleRetry(): void {
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const scopes = [...this.pending];
      this.pending.clear();
      void this.bump(scopes);
    }, RETRY_INTERVAL_MS);
    this.retryTimer.unref();
  }
}
