import { getQueueToken } from '@nestjs/bull';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, JobCounts, Queue } from 'bull';
import { Counter, Gauge, Histogram } from 'prom-client';
import { withTimeout } from '../common/async/with-timeout';
import { MetricsRegistry } from '../common/metrics/metrics-registry';
import { ALL_QUEUE_NAMES } from './queues';

/** Scrapes within this long of each other share one read of the counts. */
const COUNTS_TTL_MS = 5000;
const COUNTS_TIMEOUT_MS = 2000;
const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * Queue metrics. The job counts per queue and state are read on scrape with getJobCounts (a list length or
 * set size per state in Redis, never a walk over the jobs), at most once every few seconds. Durations and
 * failures come from Bull's local events, so they are counted by the process that ran the job: the worker's.
 */
@Injectable()
export class QueueMetrics implements OnModuleInit {
  private readonly logger = new Logger('QueueMetrics');
  private queues: Queue[] = [];
  private counts?: { at: number; read: Promise<Map<string, JobCounts>> };
  private lastWarning = 0;
  private readonly duration: Histogram<'queue' | 'job' | 'outcome'>;
  private readonly failures: Counter<'queue' | 'job'>;

  constructor(
    private readonly moduleRef: ModuleRef,
    metrics: MetricsRegistry,
  ) {
    const registers = [metrics.registry];
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    new Gauge({
      name: 'malted_queue_jobs',
      help: 'Jobs in each queue by state (waiting, active, delayed, failed, completed)',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        for (const [queue, counts] of await self.currentCounts()) {
          for (const state of STATES) this.set({ queue, state }, counts[state] ?? 0);
        }
      },
    });
    this.duration = new Histogram({
      name: 'malted_job_duration_seconds',
      help: 'Time a job ran in this process, from start to completion or failure',
      labelNames: ['queue', 'job', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    });
    this.failures = new Counter({
      name: 'malted_job_failures_total',
      help: 'Failed job attempts in this process (each retry counts)',
      labelNames: ['queue', 'job'],
      registers,
    });
  }

  onModuleInit(): void {
    this.queues = ALL_QUEUE_NAMES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    for (const queue of this.queues) {
      queue.on('completed', (job: Job) => this.ran(queue, job, 'completed'));
      queue.on('failed', (job: Job) => {
        this.failures.inc({ queue: queue.name, job: job.name });
        this.ran(queue, job, 'failed');
      });
    }
  }

  private ran(queue: Queue, job: Job, outcome: 'completed' | 'failed'): void {
    const ms = (job.finishedOn ?? Date.now()) - (job.processedOn ?? Date.now());
    this.duration.observe({ queue: queue.name, job: job.name, outcome }, Math.max(0, ms) / 1000);
  }

  /** The counts of every queue, read again only when the last read is older than COUNTS_TTL_MS. */
  private async currentCounts(): Promise<Map<string, JobCounts>> {
    if (!this.counts || Date.now() - this.counts.at > COUNTS_TTL_MS) {
      const previous = this.counts?.read;
      const read = this.readCounts().catch(async (error: unknown) => {
        if (Date.now() - this.lastWarning > 60_000) {
          this.lastWarning = Date.now();
          this.logger.warn({ err: error }, 'queue counts are stale: Redis does not answer');
        }
        return (await previous?.catch(() => undefined)) ?? new Map<string, JobCounts>();
      });
      this.counts = { at: Date.now(), read };
    }
    return this.counts.read;
  }

  private async readCounts(): Promise<Map<string, JobCounts>> {
    const counts = await Promise.all(this.queues.map((queue) => withTimeout(queue.getJobCounts(), COUNTS_TIMEOUT_MS)));
    return new Map(this.queues.map((queue, i) => [queue.name, counts[i]]));
  }
}
