import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { Types } from 'mongoose';
import { type FollowedJob, QUEUES, type RecountResult, type ShakeDeletedJob, type UnfollowedJob } from '../jobs/queues';
import { NotificationsService } from '../notifications/notifications.service';
import { NotificationType } from '../notifications/schemas/notification.schema';
import { FollowsService } from './follows.service';
import { ShakeCountersService } from './shake-counters.service';
import { ShakesService } from './shakes.service';

/** A payload that is not an id will never become one: discard instead of retrying, then fail. */
async function objectIdIn(job: Job, value: unknown): Promise<Types.ObjectId> {
  if (typeof value === 'string' && /^[0-9a-f]{24}$/.test(value)) return new Types.ObjectId(value);
  await job.discard();
  throw new Error(`job ${job.name} has an invalid id in its payload: ${JSON.stringify(value)}`);
}

/**
 * Social jobs. Each one reads fresh state and derives its result from the facts, so running it twice or
 * late is harmless; errors are rethrown so that Bull retries with backoff.
 */
@Processor(QUEUES.social.name)
export class SocialProcessor {
  constructor(
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
    private readonly counters: ShakeCountersService,
    private readonly notifications: NotificationsService,
  ) {}

  @Process(QUEUES.social.jobs.followed)
  async followed(job: Job<FollowedJob>): Promise<{ followerCount: number; notified: boolean }> {
    const followId = await objectIdIn(job, job.data.followId);
    const shakeId = await objectIdIn(job, job.data.shakeId);
    const followerCount = await this.counters.recountFollowersOf(shakeId);
    // Unfollowed before this ran, or the shake is gone: nothing to tell anyone.
    const [follow, shake] = await Promise.all([this.follows.findById(followId), this.shakes.findById(shakeId)]);
    const notified =
      follow !== null &&
      shake !== null &&
      (await this.notifications.notify({
        type: NotificationType.Follow,
        recipientId: shake.ownerId,
        actorId: follow.followerId,
        subject: { shakeId },
      }));
    return { followerCount, notified };
  }

  @Process(QUEUES.social.jobs.unfollowed)
  async unfollowed(job: Job<UnfollowedJob>): Promise<{ followerCount: number }> {
    const shakeId = await objectIdIn(job, job.data.shakeId);
    return { followerCount: await this.counters.recountFollowersOf(shakeId) };
  }

  @Process(QUEUES.social.jobs.shakeDeleted)
  async shakeDeleted(job: Job<ShakeDeletedJob>): Promise<{ followsRemoved: number }> {
    const shakeId = await objectIdIn(job, job.data.shakeId);
    return { followsRemoved: await this.follows.removeAllOf(shakeId) };
  }

  @Process(QUEUES.social.jobs.recount)
  recount(job: Job<Record<string, never>>): Promise<RecountResult> {
    return this.counters.recountAll(async (progress) => {
      await job.progress(progress);
    });
  }
}
