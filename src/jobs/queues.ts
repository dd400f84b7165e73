import type { JobOptions } from 'bull';

/**
 * Every queue, its job names and their default options, in one place. Processors live beside the feature
 * that owns the work; at start-up the worker checks that every job named here has one.
 */
export const QUEUES = {
  system: {
    name: 'system',
    jobs: { heartbeat: 'heartbeat' },
  },
  files: {
    name: 'files',
    jobs: {
      /** Make the thumbnail and small variants of a source file. jobId variants:<sourceId>. */
      variants: 'variants',
      /** Give back a deleted post's reference to its source file. jobId release:<sharedFileId>. */
      release: 'release',
      /** Delete the stored objects of a source file no post refers to any more. */
      purge: 'purge',
      /** Fold the view counts gathered in Redis into MongoDB (repeatable). */
      foldViews: 'fold-views',
    },
  },
  search: {
    name: 'search',
    jobs: {
      /**
       * Bring the search entry of one file, shake or user in line with its sources: {kind, id}. No jobId on
       * purpose: Bull ignores an add whose jobId is still active, so a change made while that job runs would
       * never be indexed; a second job for the same thing is cheap and idempotent instead.
       */
      index: 'index',
      /** Rebuild the whole index from the source collections. jobId search-rebuild: one at a time. */
      rebuild: 'rebuild',
    },
  },
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]['name'];

/** Retried with exponential backoff; completed jobs are trimmed, failed ones kept for inspection. */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: false,
};

export const ALL_QUEUE_NAMES: QueueName[] = Object.values(QUEUES).map((queue) => queue.name);

export const jobNamesOf = (queue: QueueName): string[] =>
  Object.values(Object.values(QUEUES).find((q) => q.name === queue)!.jobs);
