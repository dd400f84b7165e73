import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { withTimeout } from '../common/async/with-timeout';
import { type RedisClient, sameSlot } from '../common/redis/redis-connection';
import { REDIS_CLIENT } from '../common/redis/redis.constants';
import type { ResolvedEnvironment } from '../config/environment';

const SHUTDOWN_FLUSH_TIMEOUT_MS = 3_000;
/** Longer than any fold of a batch takes; a fold whose process died holds the lock no longer than this. */
const FOLD_LOCK_MS = 60_000;
const FOLD_LOCK_WAIT_MS = 30_000;
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** What RENAMENX answers when there is nothing to rename. */
const isNoSuchKey = (error: unknown) => error instanceof Error && /\bno such key\b/i.test(error.message);

/**
 * Counts raw views in memory (a Map increment: no round trip per request), hands them to Redis in one pipeline
 * every VIEWS_FLUSH_INTERVAL_MS, and from there in batches to the job that folds them into MongoDB. A flush that
 * Redis refuses is added back and tried again; the last flush runs when the module is destroyed (graceful
 * shutdown), so only a crash loses the views of the last interval.
 */
@Injectable()
export class ViewsCounter implements OnModuleDestroy {
  private readonly logger = new Logger(ViewsCounter.name);
  private counts = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private flushing?: Promise<void>;
  /** Views waiting for the fold, and the batch being folded: RENAMENX moves one to the other (one slot on a cluster). */
  private readonly pendingKey: string;
  private readonly foldingKey: string;
  private readonly foldLockKey: string;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.pendingKey = `${sameSlot(redis, 'views')}:pending`;
    this.foldingKey = `${sameSlot(redis, 'views')}:folding`;
    this.foldLockKey = `${sameSlot(redis, 'views')}:fold-lock`;
    // A flush still waiting for a slow Redis is not joined by another: the counts wait in memory meanwhile.
    this.timer = setInterval(() => void (this.flushing ?? this.flush()), config.get('VIEWS_FLUSH_INTERVAL_MS', { infer: true }));
    this.timer.unref();
  }

  record(sharedFileId: string): void {
    this.counts.set(sharedFileId, (this.counts.get(sharedFileId) ?? 0) + 1);
  }

  /** Views counted here and not yet handed to Redis. */
  get unflushed(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  /** Hands the views counted so far to Redis in one pipeline; one flush at a time. */
  async flush(): Promise<void> {
    await this.flushing;
    if (this.counts.size === 0) return;
    const batch = [...this.counts];
    this.counts = new Map();
    const giveBack = (entries: [string, number][], error: unknown) => {
      for (const [id, count] of entries) this.counts.set(id, (this.counts.get(id) ?? 0) + count);
      this.logger.warn({ err: error, files: entries.length }, 'views not handed to Redis yet: Redis does not answer');
    };
    const pipeline = this.redis.pipeline();
    for (const [id, count] of batch) pipeline.hincrby(this.pendingKey, id, count);
    this.flushing = pipeline
      .exec()
      .then((results) => {
        const failed = batch.filter((_, i) => !results || results[i]?.[0]);
        if (failed.length > 0) giveBack(failed, results?.find(([error]) => error)?.[0]);
      })
      .catch((error: unknown) => giveBack(batch, error))
      .finally(() => {
        this.flushing = undefined;
      });
    await this.flushing;
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    // A Redis that never answers must not hold up the shutdown.
    await withTimeout(this.flush(), SHUTDOWN_FLUSH_TIMEOUT_MS).catch((error: unknown) =>
      this.logger.warn({ err: error, views: this.unflushed }, 'views not handed to Redis before shutdown'),
    );
  }

  /**
   * Runs a fold alone: a second fold that started while the first was applying its batch would read the same
   * entries from the folding hash (the resume path of take()) and count them twice. Waits for the fold before it
   * (a fold job queued by hand beside the repeatable one), then fails, for Bull to retry, if it is still held.
   */
  async exclusively<T>(fold: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    const deadline = Date.now() + FOLD_LOCK_WAIT_MS;
    while ((await this.redis.set(this.foldLockKey, token, 'PX', FOLD_LOCK_MS, 'NX')) !== 'OK') {
      if (Date.now() > deadline) throw new Error(`another views fold still holds ${this.foldLockKey}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    try {
      return await fold();
    } finally {
      await this.redis.eval(RELEASE_SCRIPT, 1, this.foldLockKey, token);
    }
  }

  /**
   * The views to fold: what an earlier, interrupted fold left, or else everything pending (moved aside
   * atomically so new views keep accumulating). Each entry is removed with done() once applied.
   */
  async take(): Promise<Map<string, number>> {
    let batch = await this.redis.hgetall(this.foldingKey);
    if (Object.keys(batch).length === 0) {
      const moved = await this.redis.renamenx(this.pendingKey, this.foldingKey).catch((error: unknown) => {
        if (isNoSuchKey(error)) return 0; // no view since the last fold
        throw error; // anything else fails the fold job, which Bull retries: the views stay pending meanwhile
      });
      batch = moved ? await this.redis.hgetall(this.foldingKey) : {};
    }
    return new Map(Object.entries(batch).map(([id, count]) => [id, Number(count)]));
  }

  async done(sharedFileId: string): Promise<void> {
    await this.redis.hdel(this.foldingKey, sharedFileId);
  }
}
