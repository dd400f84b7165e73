import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { PostsService } from '../files/posts.service';
import { objectIdIn } from '../jobs/job-payload';
import { type FollowedJob, QUEUES, type RecountResult, type ShakeDeletedJob, type UnfollowedJob } from '../jobs/queues';
import { NotificationsService } from '../notifications/notifications.service';
import { NotificationType } from '../notifications/schemas/notification.schema';
import { FileCountersService } from './file-counters.service';
import { FollowsService } from '../shakes/follows.service';
import { ShakeCountersService } from '../shakes/shake-counters.service';
import { ShakeEntriesService } from '../shakes/shake-entries.service';
import { ShakesService } from '../shakes/shakes.service';

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
    private readonly fileCounters: FileCountersService,
    private readonly entries: ShakeEntriesService,
    private readonly files: PostsService,
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
        factId: followId,
      }));
    return { followerCount, notified };
  }

  @Process(QUEUES.social.jobs.unfollowed)
  async unfollowed(job: Job<UnfollowedJob>): Promise<{ followerCount: number }> {
    const shakeId = await objectIdIn(job, job.data.shakeId);
    return { followerCount: await this.counters.recountFollowersOf(shakeId) };
  }

  /**
   * A deleted group shake takes its posts with it, as DELETE /files/:key would (in Malted a post is in exactly
   * one shake, and a post in no shake is gone): saved copies elsewhere stay. Until this has run the posts are
   * already invisible (their shake is gone, see post-visibility.ts).
   */
  @Process(QUEUES.social.jobs.shakeDeleted)
  async shakeDeleted(job: Job<ShakeDeletedJob>): Promise<{ followsRemoved: number; postsRemoved: number; entriesRemoved: number }> {
    const shakeId = await objectIdIn(job, job.data.shakeId);
    const followsRemoved = await this.follows.removeAllOf(shakeId);
    const postsRemoved = await this.files.takeDownPostsOf(shakeId);
    return { followsRemoved, postsRemoved, entriesRemoved: await this.entries.removeAllOf(shakeId) };
  }

  /** Shakes first (followers, files), then every post (likes, saves, comments, magic). */
  @Process(QUEUES.social.jobs.recount)
  async recount(job: Job<Record<string, never>>): Promise<RecountResult> {
    const shakes = await this.counters.recountAll(async (progress) => {
      await job.progress(progress);
    });
    const files = await this.fileCounters.recountAll(async (progress) => {
      await job.progress({ ...shakes, files: progress.files, corrected: shakes.corrected + progress.corrected });
    });
    return { shakes: shakes.shakes, files: files.files, corrected: shakes.corrected + files.corrected };
  }
}
