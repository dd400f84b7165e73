import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Job, Queue } from 'bull';
import type { Types } from 'mongoose';
import { QUEUES } from './queues';

/** What features tell search about: a file (post), a shake or a user changed. */
export const SEARCH_KINDS = ['file', 'shake', 'user'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const REBUILD_JOB_ID = 'search-rebuild';

export interface IndexJobData {
  kind: SearchKind;
  id: string;
  /** A user only: also every shake and post they own, whose visibility follows theirs (disabled, enabled). */
  withOwned?: boolean;
}

export interface RebuildRequest {
  jobId: string;
  /** False when a rebuild was already waiting or running: that one is the answer. */
  queued: boolean;
}

/**
 * How other features keep search current: one line after any change to something searchable,
 *
 *   await this.search.enqueue('file', post._id);   // or 'shake', 'user'
 *
 * A job then reads the thing's current state and updates or removes its entry, so the same call serves
 * create, edit, delete, likes and NSFW. It never throws: a lost job only delays search until the next change
 * or rebuild, and must not fail the request that made the change.
 */
@Injectable()
export class SearchIndexer {
  private readonly logger = new Logger(SearchIndexer.name);

  constructor(@InjectQueue(QUEUES.search.name) private readonly queue: Queue) {}

  async enqueue(kind: SearchKind, id: Types.ObjectId | string): Promise<void> {
    const data: IndexJobData = { kind, id: id.toString() };
    await this.queue
      .add(QUEUES.search.jobs.index, data)
      .catch((error: unknown) => this.logger.error({ err: error, ...data }, 'could not queue a search index job'));
  }

  /** A user was disabled or enabled: their entry, and those of every shake and post they own, follow. */
  async enqueueUserWithOwned(userId: Types.ObjectId | string): Promise<void> {
    const data: IndexJobData = { kind: 'user', id: userId.toString(), withOwned: true };
    await this.queue
      .add(QUEUES.search.jobs.index, data)
      .catch((error: unknown) => this.logger.error({ err: error, ...data }, 'could not queue a search index job'));
  }

  /** Queues a rebuild unless one is already waiting or running. */
  async requestRebuild(): Promise<RebuildRequest> {
    const existing: Job | null = await this.queue.getJob(REBUILD_JOB_ID);
    if (existing) {
      const state = await existing.getState();
      if (['waiting', 'active', 'delayed', 'paused'].includes(state)) return { jobId: REBUILD_JOB_ID, queued: false };
      // The previous rebuild is kept until the next one is asked for (for the dashboard); now it goes.
      if (state === 'failed') this.logger.warn({ reason: existing.failedReason }, 'replacing a failed search rebuild');
      await existing.remove();
    }
    await this.queue.add(QUEUES.search.jobs.rebuild, {}, { jobId: REBUILD_JOB_ID, attempts: 3 });
    return { jobId: REBUILD_JOB_ID, queued: true };
  }

  /** The rebuild job, for those who follow it (the CLI). */
  rebuildJob(): Promise<Job | null> {
    return this.queue.getJob(REBUILD_JOB_ID);
  }
}
