import { Logger } from '@nestjs/common';
import { withTimeout } from '../async/with-timeout';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

/** While Redis is away or slower than timeoutMs, requests are let through (and a warning logged at most once a minute) rather than failing. */
export class FailOpenThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimits');
  private lastWarning = 0;

  constructor(
    private readonly inner: ThrottlerStorage,
    private readonly timeoutMs: number,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    try {
      return await withTimeout(this.inner.increment(key, ttl, limit, blockDuration, throttlerName), this.timeoutMs);
    } catch (error) {
      if (Date.now() - this.lastWarning > 60_000) {
        this.lastWarning = Date.now();
        this.logger.warn({ err: error }, 'rate limits are not enforced: Redis does not answer');
      }
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
