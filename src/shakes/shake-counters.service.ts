import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Types } from 'mongoose';
import { QUEUES, type RecountResult } from '../jobs/queues';
import { FollowsService } from './follows.service';
import { ShakesService } from './shakes.service';

const RECOUNT_BATCH = 500;

/**
 * A shake's counters, always derived from the facts (countDocuments), never incremented: a job that runs
 * twice, or late, computes the same number. (fileCount joins here when files land.)
 */
@Injectable()
export class ShakeCountersService {
  constructor(
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
    @InjectQueue(QUEUES.social.name) private readonly socialQueue: Queue,
  ) {}

  /**
   * Queues recountAll and returns the job id. No fixed job id: a recount is harmless to repeat, and a kept
   * completed recount must not swallow the next request for one.
   */
  async queueRecountAll(): Promise<string> {
    const job = await this.socialQueue.add(QUEUES.social.jobs.recount, {});
    return String(job.id);
  }

  async recountFollowersOf(shakeId: Types.ObjectId): Promise<number> {
    const countedAt = new Date(); // taken before counting: the count reflects at least every fact up to now
    const count = await this.follows.countFollowersOf(shakeId);
    await this.shakes.storeFollowerCount(shakeId, count, countedAt);
    return count;
  }

  /** Every shake, in batches by _id; writes only the counts that are wrong. */
  async recountAll(onBatch?: (progress: RecountResult) => Promise<void>): Promise<RecountResult> {
    const result: RecountResult = { shakes: 0, corrected: 0 };
    let after: Types.ObjectId | null = null;
    for (;;) {
      const batch = await this.shakes.pageForRecount(after, RECOUNT_BATCH);
      if (batch.length === 0) return result;
      const countedAt = new Date();
      const counts = await this.follows.countFollowersOfEach(batch.map((shake) => shake._id));
      for (const shake of batch) {
        const actual = counts.get(shake._id.toHexString()) ?? 0;
        if (actual !== shake.followerCount && (await this.shakes.storeFollowerCount(shake._id, actual, countedAt))) {
          result.corrected += 1;
        }
      }
      result.shakes += batch.length;
      after = batch[batch.length - 1]._id;
      await onBatch?.(result);
    }
  }
}
