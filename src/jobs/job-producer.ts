import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { InjectModel } from '@nestjs/mongoose';
import type { Job, JobOptions, JobStatus, Queue } from 'bull';
import type { Model } from 'mongoose';
import { ServiceUnavailableError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { OutboxEntry } from './outbox.schema';
import { ALL_JOB_NAMES, ALL_QUEUE_NAMES, JOB_OPTIONS, type JobName, type JobOf, jobIdOf, type QueueName, splitJobName } from './queues';

/**
 * After Redis failed to take a job, the next ones go straight to the outbox for this many timeouts (5 s at most)
 * instead of each waiting one.
 */
const BACK_OFF_TIMEOUTS = 10;
const MAX_BACK_OFF_MS = 5000;
/** Outbox entries queued per drain step. */
const DRAIN_BATCH = 200;

const PENDING_STATES: (JobStatus | 'paused' | 'stuck')[] = ['waiting', 'active', 'delayed', 'paused'];

export type SendOutcome = 'queued' | 'deferred';

class EnqueueTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Redis did not take the job within ${timeoutMs} ms`);
  }
}

/**
 * The one way to queue a job. `send` is for consequences of a fact (from a request or a job): it waits at most
 * JOB_ENQUEUE_TIMEOUT_MS for Redis and otherwise writes the job to the outbox, which a worker drains (JobRecovery);
 * it throws only when neither Redis nor the database took the job. An add that timed out may still reach Redis
 * later (ioredis keeps it), and the outbox copy then lands on the same deterministic job id, so the two make one job.
 */
@Injectable()
export class JobProducer implements OnModuleInit {
  private readonly logger = new Logger(JobProducer.name);
  private readonly timeoutMs: number;
  private readonly queues = new Map<QueueName, Queue>();
  private readonly repeats = new Map<string, { name: JobName; everyMs: number }>();
  private backOffUntil = 0;

  constructor(
    private readonly moduleRef: ModuleRef,
    @InjectModel(OutboxEntry.name) private readonly outbox: Model<OutboxEntry>,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.timeoutMs = config.get('JOB_ENQUEUE_TIMEOUT_MS', { infer: true });
  }

  onModuleInit(): void {
    for (const name of ALL_QUEUE_NAMES) this.queues.set(name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    // A Redis that came back (reconnected) may take jobs at once; a frozen one never says so and keeps the back-off.
    this.queue(ALL_QUEUE_NAMES[0]).client.on('ready', () => (this.backOffUntil = 0));
  }

  queue(name: QueueName): Queue {
    return this.queues.get(name)!;
  }

  /** Queues the job, or records it in the outbox when Redis does not take it at once. */
  async send<N extends JobName>(name: N, payload: JobOf<N>): Promise<SendOutcome> {
    const away = this.redisAway();
    if (!away) {
      try {
        await this.add(name, payload);
        return 'queued';
      } catch (error) {
        this.backOffUntil = Date.now() + Math.min(MAX_BACK_OFF_MS, BACK_OFF_TIMEOUTS * this.timeoutMs);
        await this.defer(name, payload, error instanceof Error ? error.message : String(error));
        return 'deferred';
      }
    }
    await this.defer(name, payload, away);
    return 'deferred';
  }

  /** Queues the job now or throws ServiceUnavailableError: for work a caller asked for and waits to hear about. */
  async sendNow<N extends JobName>(name: N, payload: JobOf<N>, options: JobOptions = {}): Promise<Job<JobOf<N>>> {
    const away = this.redisAway();
    if (away) throw new ServiceUnavailableError(`The job queue is unavailable (${away}); try again shortly`);
    try {
      return await this.add(name, payload, options);
    } catch (error) {
      this.logger.warn({ err: error, job: name }, 'could not queue a job');
      throw new ServiceUnavailableError('The job queue is unavailable; try again shortly');
    }
  }

  /**
   * A repeatable job, registered now and again on every recovery tick (a Redis that lost its data lost the
   * schedule too). Bull keys a repeatable by name and interval, so registering it again is a no-op.
   */
  async repeat(name: JobName, everyMs: number): Promise<void> {
    this.repeats.set(`${name}:${everyMs}`, { name, everyMs });
    await this.add(name, {} as never, { repeat: { every: everyMs }, removeOnComplete: 10 }).catch((error: unknown) =>
      this.logger.warn({ err: error, job: name }, 'could not register a repeatable job yet; the worker tries again'),
    );
  }

  async registerRepeats(): Promise<void> {
    for (const { name, everyMs } of this.repeats.values()) {
      await this.add(name, {} as never, { repeat: { every: everyMs }, removeOnComplete: 10 });
    }
  }

  /**
   * For sweepers: makes sure the job of this fact will run. A job with its id that is still waiting or running is
   * left alone ('pending'); one that completed, or failed for good, is replaced by a new run. `decide` sees a
   * failed one first and may change the payload, ask to wait, or give up (then nothing is queued).
   */
  async resubmit<N extends JobName>(
    name: N,
    payload: JobOf<N>,
    decide?: (failed: Job<JobOf<N>>) => JobOf<N> | 'wait' | 'give up',
  ): Promise<'pending' | 'queued' | 'waiting' | 'given up'> {
    const jobId = jobIdOf(name, payload);
    if (!jobId) throw new Error(`${name} has no deterministic job id to resubmit by`);
    const queue = this.queue(splitJobName(name).queue);
    const existing = (await this.within(queue.getJob(jobId))) as Job<JobOf<N>> | null;
    let next = payload;
    if (existing) {
      const state = await this.within(existing.getState());
      if (PENDING_STATES.includes(state)) return 'pending';
      if (state === 'failed' && decide) {
        const decided = decide(existing);
        if (decided === 'wait') return 'waiting';
        if (decided === 'give up') return 'given up';
        next = decided;
      }
      await this.within(existing.remove());
    }
    await this.add(name, next);
    return 'queued';
  }

  /** Queues what the outbox holds, oldest first, until it is empty or Redis refuses; returns how many were queued. */
  async drainOutbox(): Promise<number> {
    let drained = 0;
    for (;;) {
      const entries = await this.outbox.find().sort({ _id: 1 }).limit(DRAIN_BATCH).lean().exec();
      for (const entry of entries) {
        if (!ALL_JOB_NAMES.includes(entry.name)) {
          // Written by another version of the code: it can never run here.
          this.logger.error({ entry }, 'dropping an outbox entry for a job that does not exist');
        } else {
          await this.add(entry.name, entry.payload as never); // throws while Redis is away: the rest waits for the next tick
          drained += 1;
        }
        await this.outbox.deleteOne({ _id: entry._id }).exec();
      }
      if (entries.length < DRAIN_BATCH) return drained;
    }
  }

  outboxSize(): Promise<number> {
    return this.outbox.countDocuments().exec();
  }

  /** Why jobs cannot be queued right now, or null when Redis may take them (ready, or still connecting at start-up). */
  private redisAway(): string | null {
    if (Date.now() < this.backOffUntil) return 'Redis failed to take a job moments ago';
    const status = this.queue(ALL_QUEUE_NAMES[0]).client.status;
    return ['reconnecting', 'close', 'end'].includes(status) ? `Redis connection is ${status}` : null;
  }

  private async defer<N extends JobName>(name: N, payload: JobOf<N>, reason: string): Promise<void> {
    await this.outbox.create({ name, payload, reason });
    this.logger.warn({ job: name, jobId: jobIdOf(name, payload), reason }, 'job written to the outbox');
  }

  private add<N extends JobName>(name: N, payload: JobOf<N>, options: JobOptions = {}): Promise<Job<JobOf<N>>> {
    const { queue, job } = splitJobName(name);
    const jobId = jobIdOf(name, payload);
    return this.within(
      this.queue(queue).add(job, payload, { ...JOB_OPTIONS[name], ...(jobId ? { jobId } : {}), ...options }) as Promise<Job<JobOf<N>>>,
    );
  }

  /** The promise, or an EnqueueTimeoutError after JOB_ENQUEUE_TIMEOUT_MS; a late rejection is only logged. */
  private within<T>(work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EnqueueTimeoutError(this.timeoutMs)), this.timeoutMs);
    });
    work.catch((error: unknown) => this.logger.debug({ err: error }, 'a Redis call failed after its timeout'));
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
