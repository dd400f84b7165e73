import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bull';
import type { Types } from 'mongoose';
import { JobProducer } from '../jobs/job-producer';
import { type Sweeper, JobSweepers } from '../jobs/job-sweepers';
import type { VariantsJob } from '../jobs/queues';
import { PostsRepository } from './posts.repository';
import { SourceFilesService } from './source-files.service';

const BATCH = 500;
/**
 * A variants job that failed all its attempts for a passing reason (storage away, the worker killed) is queued
 * again this many times, each after a longer wait (1, 2, 3... times the sweep grace since it failed); then the
 * thumbnail is given up (404), as for an image that never decodes.
 */
export const MAX_VARIANTS_SWEEPS = 5;

/** Queues again the files jobs left undone: variants still owed, and deleted posts whose bytes were not released. */
@Injectable()
export class FilesSweeper implements Sweeper, OnModuleInit {
  readonly name = 'files';
  private readonly logger = new Logger(FilesSweeper.name);

  constructor(
    private readonly sweepers: JobSweepers,
    private readonly jobs: JobProducer,
    private readonly sources: SourceFilesService,
    private readonly posts: PostsRepository,
  ) {}

  onModuleInit(): void {
    this.sweepers.register(this);
  }

  async sweep(olderThan: Date): Promise<number> {
    return (await this.sweepVariants(olderThan)) + (await this.sweepReleases(olderThan));
  }

  private async sweepVariants(olderThan: Date): Promise<number> {
    const graceMs = Date.now() - olderThan.getTime();
    let queued = 0;
    let after: Types.ObjectId | null = null;
    for (;;) {
      const owed = await this.sources.pendingVariants(olderThan, after, BATCH);
      for (const { sourceId, sourceStorageKey } of owed) {
        const owedFor = { _id: sourceId, storageKey: sourceStorageKey ?? '' };
        const source = await this.sources.findById(sourceId);
        if (!source || source.storageKey !== owedFor.storageKey) {
          await this.sources.dropPendingVariants(owedFor); // those bytes were never stored, or purged
          continue;
        }
        const payload: VariantsJob = { sourceId: sourceId.toHexString(), storageKey: source.storageKey };
        const outcome = await this.resubmitting(sourceId, () =>
          this.jobs.resubmit('files/variants', payload, (failed: Job<VariantsJob>) => {
            const sweeps = failed.data.sweeps ?? 0;
            if (sweeps >= MAX_VARIANTS_SWEEPS) return 'give up';
            if (Date.now() - (failed.finishedOn ?? 0) < (sweeps + 1) * graceMs) return 'wait';
            return { ...payload, sweeps: sweeps + 1 };
          }),
        );
        if (outcome === 'given up') await this.sources.giveUpVariants(owedFor);
        if (outcome === 'queued') queued += 1;
      }
      if (owed.length < BATCH) return queued;
      after = owed[owed.length - 1]._id;
    }
  }

  /** One job that cannot be resubmitted now (Bull still holds its lock) does not stop the sweep of the others. */
  private async resubmitting(id: Types.ObjectId, resubmit: () => Promise<string>): Promise<string> {
    try {
      return await resubmit();
    } catch (error) {
      this.logger.warn({ err: error, id }, 'could not queue a job again; the next sweep tries');
      return 'failed';
    }
  }

  private async sweepReleases(olderThan: Date): Promise<number> {
    let queued = 0;
    let after: Types.ObjectId | null = null;
    for (;;) {
      const posts = await this.posts.deletedNotReleased(olderThan, after, BATCH);
      for (const post of posts) {
        const outcome = await this.resubmitting(post._id, () =>
          this.jobs.resubmit('files/release', { sharedFileId: post._id.toHexString() }),
        );
        if (outcome === 'queued') queued += 1;
      }
      if (posts.length < BATCH) return queued;
      after = posts[posts.length - 1]._id;
    }
  }
}
