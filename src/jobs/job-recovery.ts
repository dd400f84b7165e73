import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../common/redis/redis-connection';
import { REDIS_CLIENT } from '../common/redis/redis.constants';
import type { ResolvedEnvironment } from '../config/environment';
import { bullPrefixOf } from './bull-connections';
import { JobProducer } from './job-producer';
import { JobSweepers } from './job-sweepers';
import { JobState } from './outbox.schema';
import { ALL_QUEUE_NAMES } from './queues';
import { SearchIndexer } from './search-indexer';

/** Written into Redis once and never expired: a Redis that answers without it has lost its data. */
const EPOCH_KEY = 'jobs:epoch';

/**
 * Where the epoch is kept. On a Redis Cluster a master can lose its data (a failover to a replica that lagged) while
 * the others keep theirs, so the epoch is kept once beside each queue's jobs, in that queue's hash slot: a queue
 * whose jobs were lost has lost its copy of the epoch with them, wherever the slot has moved.
 */
export function epochKeysOf(redis: RedisClient, keyPrefix: string): string[] {
  if (!redis.isCluster) return [EPOCH_KEY];
  return ALL_QUEUE_NAMES.map((queue) => `${bullPrefixOf(keyPrefix, queue, true)}:${EPOCH_KEY}`);
}
/** Held by the worker running a tick, so several workers do not drain and sweep the same things at once. */
const LOCK_KEY = 'jobs:recovery-lock';
const STATE_ID = 'redis';

export interface RecoveryTick {
  /** False when Redis was away or another worker held the tick. */
  ran: boolean;
  /** Redis had lost its data: a recount and a search rebuild were queued. */
  reset: boolean;
  drained: number;
  swept: number;
}

const SKIPPED: RecoveryTick = { ran: false, reset: false, drained: 0, swept: 0 };

/**
 * Runs in every process that runs jobs, every JOB_RECOVERY_INTERVAL_MS, on a plain timer (not a Bull job, which an
 * empty Redis would lose): registers the repeatable jobs again, drains the outbox, notices a Redis that lost its
 * data (then queues a recount of every counter and a search rebuild, once), and runs the features' sweepers.
 */
@Injectable()
export class JobRecovery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobRecovery.name);
  private readonly intervalMs: number;
  private readonly graceMs: number;
  private readonly owner = randomUUID();
  private readonly epochKeys: string[];
  private timer?: NodeJS.Timeout;
  private running?: Promise<RecoveryTick>;
  private stopped = false;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @InjectModel(JobState.name) private readonly state: Model<JobState>,
    private readonly producer: JobProducer,
    private readonly sweepers: JobSweepers,
    private readonly search: SearchIndexer,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.intervalMs = config.get('JOB_RECOVERY_INTERVAL_MS', { infer: true });
    this.graceMs = config.get('JOB_SWEEP_GRACE_SECONDS', { infer: true }) * 1000;
    this.epochKeys = epochKeysOf(redis, config.get('REDIS_KEY_PREFIX', { infer: true }));
  }

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One round; the timer calls it, and tests may too. Never runs twice at once in one process. */
  tick(): Promise<RecoveryTick> {
    this.running ??= this.round().finally(() => (this.running = undefined));
    return this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'job recovery round failed; trying again next round'))
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
  }

  private async round(): Promise<RecoveryTick> {
    if (this.redis.status !== 'ready') return SKIPPED;
    const lockMs = Math.max(50, this.intervalMs - 50);
    if ((await this.redis.set(LOCK_KEY, this.owner, 'PX', lockMs, 'NX')) !== 'OK') return SKIPPED;

    const reset = await this.redisLostItsData();
    await this.producer.registerRepeats();
    const drained = await this.producer.drainOutbox();
    if (drained > 0) this.logger.log(`queued ${drained} jobs from the outbox`);
    if (reset) {
      this.logger.warn('Redis lost its data (and every job waiting in it): recounting all counters and rebuilding search');
      await this.producer.sendNow('social/recount', {});
      await this.search.requestRebuild();
    }
    let swept = 0;
    const olderThan = new Date(Date.now() - this.graceMs);
    for (const sweeper of this.sweepers.all()) {
      try {
        const queued = await sweeper.sweep(olderThan);
        if (queued > 0) this.logger.log(`sweeper ${sweeper.name} queued ${queued} jobs again`);
        swept += queued;
      } catch (error) {
        this.logger.warn({ err: error, sweeper: sweeper.name }, 'sweeper failed; it runs again next round');
      }
    }
    return { ran: true, reset, drained, swept };
  }

  /**
   * True once per loss of Redis data. The database is written first: if this process stops between the two
   * writes, the next round still finds Redis without its epoch and recovers (a fresh installation's first round
   * finds no state and recovers nothing).
   */
  private async redisLostItsData(): Promise<boolean> {
    // One key at a time: on a cluster each lives in another slot, which one EXISTS or pipeline cannot span.
    const missing: string[] = [];
    for (const key of this.epochKeys) if ((await this.redis.exists(key)) === 0) missing.push(key);
    if (missing.length === 0) return false;
    const epoch = randomUUID();
    const previous = await this.state
      .findOneAndUpdate({ _id: STATE_ID }, { $set: { epoch, since: new Date() } }, { upsert: true })
      .lean()
      .exec();
    let won = false;
    for (const key of missing) if ((await this.redis.set(key, epoch, 'NX')) === 'OK') won = true;
    return won && previous !== null;
  }
}
