import { Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bull';
import type { Types } from 'mongoose';
import { JobProducer } from './job-producer';
import { type IndexJob, QUEUES, type SearchKind } from './queues';

export { SEARCH_KINDS, type SearchKind } from './queues';

export const REBUILD_JOB_ID = 'search-rebuild';

export type IndexJobData = IndexJob;

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
 * create, edit, delete, likes and NSFW. Like every producer call it goes to the outbox when Redis is away.
 */
@Injectable()
export class SearchIndexer {
  private readonly logger = new Logger(SearchIndexer.name);

  constructor(private readonly producer: JobProducer) {}

  async enqueue(kind: SearchKind, id: Types.ObjectId | string): Promise<void> {
    await this.producer.send('search/index', { kind, id: id.toString() });
  }

  /** A user was disabled or enabled: their entry, and those of every shake and post they own, follow. */
  async enqueueUserWithOwned(userId: Types.ObjectId | string): Promise<void> {
    await this.producer.send('search/index', { kind: 'user', id: userId.toString(), withOwned: true });
  }

  /** Queues a rebuild unless one is already waiting or running. */
  async requestRebuild(): Promise<RebuildRequest> {
    const existing = await this.rebuildJob();
    if (existing) {
      const state = await existing.getState();
      if (['waiting', 'active', 'delayed', 'paused'].includes(state)) return { jobId: REBUILD_JOB_ID, queued: false };
      // The previous rebuild is kept until the next one is asked for (for the dashboard); now it goes.
      if (state === 'failed') this.logger.warn({ reason: existing.failedReason }, 'replacing a failed search rebuild');
      await existing.remove();
    }
    await this.producer.sendNow('search/rebuild', {}, { jobId: REBUILD_JOB_ID });
    return { jobId: REBUILD_JOB_ID, queued: true };
  }

  /** The rebuild job, for those who follow it (the CLI). */
  rebuildJob(): Promise<Job | null> {
    return this.producer.queue(QUEUES.search.name).getJob(REBUILD_JOB_ID);
  }
}
