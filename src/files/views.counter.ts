import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { REDIS_CLIENT } from '../common/redis/redis.constants';

const PENDING = 'views:pending';
const FOLDING = 'views:folding';

/** What RENAMENX answers when there is nothing to rename. */
const isNoSuchKey = (error: unknown) => error instanceof Error && /\bno such key\b/i.test(error.message);

/**
 * Counts raw views in Redis (one HINCRBY, never awaited by the response) and hands them over in batches to
 * the job that folds them into MongoDB, so serving a file never waits for a database write.
 */
@Injectable()
export class ViewsCounter {
  private readonly logger = new Logger(ViewsCounter.name);

  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  record(sharedFileId: string): void {
    this.redis.hincrby(PENDING, sharedFileId, 1).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'a view was not counted: Redis does not answer');
    });
  }

  /**
   * The views to fold: what an earlier, interrupted fold left, or else everything pending (moved aside
   * atomically so new views keep accumulating). Each entry is removed with done() once applied.
   */
  async take(): Promise<Map<string, number>> {
    let batch = await this.redis.hgetall(FOLDING);
    if (Object.keys(batch).length === 0) {
      const moved = await this.redis.renamenx(PENDING, FOLDING).catch((error: unknown) => {
        if (isNoSuchKey(error)) return 0; // no view since the last fold
        throw error; // anything else fails the fold job, which Bull retries: the views stay pending meanwhile
      });
      batch = moved ? await this.redis.hgetall(FOLDING) : {};
    }
    return new Map(Object.entries(batch).map(([id, count]) => [id, Number(count)]));
  }

  async done(sharedFileId: string): Promise<void> {
    await this.redis.hdel(FOLDING, sharedFileId);
  }
}
