import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { settleCount } from '../common/counters/settle-count';
import { JobProducer } from '../jobs/job-producer';
import type { RecountResult } from '../jobs/queues';
import { FollowsService } from './follows.service';
import { ShakeEntriesService } from './shake-entries.service';
import { ShakesService } from './shakes.service';

const RECOUNT_BATCH = 500;

/**
 * A shake's counters (followers from follows, files from shake entries), always derived from the facts, never
 * incremented: a job that runs twice, or late, computes the same number.
 */
@Injectable()
export class ShakeCountersService {
  constructor(
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
    private readonly entries: ShakeEntriesService,
    private readonly jobs: JobProducer,
  ) {}

  /**
   * Queues recountAll and returns the job id. No fixed job id: a recount is harmless to repeat, and a kept
   * completed recount must not swallow the next request for one. While Redis is away: ServiceUnavailableError.
   */
  async queueRecountAll(): Promise<string> {
    const job = await this.jobs.sendNow('social/recount', {});
    return String(job.id);
  }

  /**
   * Each recount settles the other counter too when it differs from the facts: FerretDB 1.x writes the whole
   * document back on an update, so a follow and a post settling at the same time can put back each other's old
   * value; the job whose write landed last repairs it.
   */
  async recountFollowersOf(shakeId: Types.ObjectId): Promise<number> {
    const followers = await this.settleFollowersOf(shakeId);
    const shake = await this.shakes.findById(shakeId);
    if (shake && shake.fileCount !== (await this.entries.countIn(shakeId))) await this.settleFilesOf(shakeId);
    return followers;
  }

  async recountFilesOf(shakeId: Types.ObjectId): Promise<number> {
    const files = await this.settleFilesOf(shakeId);
    const shake = await this.shakes.findById(shakeId);
    if (shake && shake.followerCount !== (await this.follows.countFollowersOf(shakeId))) await this.settleFollowersOf(shakeId);
    return files;
  }

  private settleFollowersOf(shakeId: Types.ObjectId): Promise<number> {
    return settleCount({
      count: () => this.follows.countFollowersOf(shakeId),
      store: (count, countedAt) => this.shakes.storeFollowerCount(shakeId, count, countedAt),
      stored: async () => (await this.shakes.findById(shakeId))?.followerCount ?? null,
    });
  }

  private settleFilesOf(shakeId: Types.ObjectId): Promise<number> {
    return settleCount({
      count: () => this.entries.countIn(shakeId),
      store: (count, countedAt) => this.shakes.storeFileCount(shakeId, count, countedAt),
      stored: async () => (await this.shakes.findById(shakeId))?.fileCount ?? null,
    });
  }

  /** Every shake, in batches by _id; writes only the counts that are wrong. */
  async recountAll(onBatch?: (progress: RecountResult) => Promise<void>): Promise<RecountResult> {
    const result: RecountResult = { shakes: 0, files: 0, corrected: 0 };
    let after: Types.ObjectId | null = null;
    for (;;) {
      const batch = await this.shakes.pageForRecount(after, RECOUNT_BATCH);
      if (batch.length === 0) return result;
      const countedAt = new Date();
      const ids = batch.map((shake) => shake._id);
      const [followers, files] = await Promise.all([this.follows.countFollowersOfEach(ids), this.entries.countInEach(ids)]);
      for (const shake of batch) {
        const actualFollowers = followers.get(shake._id.toHexString()) ?? 0;
        if (actualFollowers !== shake.followerCount && (await this.shakes.storeFollowerCount(shake._id, actualFollowers, countedAt))) {
          result.corrected += 1;
        }
        const actualFiles = files.get(shake._id.toHexString()) ?? 0;
        if (actualFiles !== shake.fileCount && (await this.shakes.storeFileCount(shake._id, actualFiles, countedAt))) {
          result.corrected += 1;
        }
      }
      result.shakes += batch.length;
      after = batch[batch.length - 1]._id;
      await onBatch?.(result);
    }
  }
}
