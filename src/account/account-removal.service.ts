import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Types } from 'mongoose';
import { EmailTokensService } from '../auth/email-tokens.service';
import { InvitesService } from '../auth/invites.service';
import { TokensService } from '../auth/tokens.service';
import type { AuthUser } from '../common/auth/auth-user';
import { ConflictError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { PostsRepository } from '../files/posts.repository';
import { PostsService } from '../files/posts.service';
import { JobProducer } from '../jobs/job-producer';
import { SearchIndexer } from '../jobs/search-indexer';
import { SentMailsService } from '../mail/sent-mails.service';
import { NotificationsService } from '../notifications/notifications.service';
import { FollowsService } from '../shakes/follows.service';
import { ShakeType } from '../shakes/schemas/shake.schema';
import { ShakesService } from '../shakes/shakes.service';
import { CommentsService } from '../social/comments/comments.service';
import { LikesService } from '../social/likes/likes.service';
import { PostRemovalService } from '../social/post-removal.service';
import { UploadQuotaService } from '../users/quota/upload-quota.service';
import { UsersService } from '../users/users.service';
import { AccountExportsService } from './account-exports.service';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Posts removed per step (their likes, comments and notifications go in one query per step). */
const POST_BATCH = 100;
/** Accounts one sweep starts or resumes at most; the next sweep takes the rest. */
const SWEEP_BATCH = 200;
/** A removal started this long ago and still there lost its job (or it failed for good): the sweep queues it again. */
export const REMOVAL_RESUMED_AFTER_MS = 10 * 60 * 1000;

export interface RemovalResult {
  posts: number;
  likes: number;
  comments: number;
  follows: number;
  /** Group shakes passed to a manager, and shakes deleted (the user shake and group shakes without a manager). */
  shakesPassed: number;
  shakesDeleted: number;
}

/**
 * Removing an account for good, once its removal started (the owner's request outlived
 * ACCOUNT_DELETION_GRACE_DAYS, or an admin deleted it): the account/remove job deletes everything of it.
 *
 * Every step is idempotent and the user document goes last, so a job that failed half-way, ran twice or was lost
 * is finished by its retry or by the hourly sweep (which queues it again for every user still being removed).
 * Other users' counters follow from the facts, as for any unlike, uncomment or unfollow: the existing recount
 * jobs are queued for each fact removed, and a removed saved copy settles its parent's saves itself (see
 * PostRemovalService) before its document goes.
 */
@Injectable()
export class AccountRemovalService {
  private readonly logger = new Logger(AccountRemovalService.name);
  private readonly graceMs: number;

  constructor(
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
    private readonly postsRepository: PostsRepository,
    private readonly posts: PostsService,
    private readonly postRemoval: PostRemovalService,
    private readonly likes: LikesService,
    private readonly comments: CommentsService,
    private readonly follows: FollowsService,
    private readonly notifications: NotificationsService,
    private readonly tokens: TokensService,
    private readonly emailTokens: EmailTokensService,
    private readonly invites: InvitesService,
    private readonly quota: UploadQuotaService,
    private readonly exports: AccountExportsService,
    private readonly sentMails: SentMailsService,
    private readonly search: SearchIndexer,
    private readonly jobs: JobProducer,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.graceMs = config.get('ACCOUNT_DELETION_GRACE_DAYS', { infer: true }) * DAY_MS;
  }

  /** DELETE /admin/users/:username: no grace period. An admin removes themself only through DELETE /me. */
  async removeNow(admin: AuthUser, username: string): Promise<void> {
    const user = await this.users.getByUsername(username);
    if (user._id.equals(admin.id)) {
      throw new ConflictError('You cannot delete your own account here: use DELETE /api/v1/me (or ask another admin)');
    }
    await this.start(user._id);
  }

  /** Nothing cancels it from here: disabled (tokens revoked, everything hidden), then the job removes the rest. */
  private async start(userId: Types.ObjectId): Promise<void> {
    await this.users.startRemoval(userId);
    await this.tokens.revokeAll(userId);
    await this.jobs.send('account/remove', { userId: userId.toHexString() });
  }

  /** Part of the hourly account/sweep: starts the removals whose grace is over, and resumes interrupted ones. */
  async sweep(now = new Date()): Promise<{ removalsStarted: number; removalsResumed: number }> {
    const due = await this.users.dueForRemoval(new Date(now.getTime() - this.graceMs), SWEEP_BATCH);
    for (const user of due) await this.start(user._id);
    const stalled = await this.users.beingRemoved(new Date(now.getTime() - REMOVAL_RESUMED_AFTER_MS), SWEEP_BATCH);
    let resumed = 0;
    for (const user of stalled) {
      if ((await this.jobs.resubmit('account/remove', { userId: user._id.toHexString() })) === 'queued') resumed += 1;
    }
    return { removalsStarted: due.length, removalsResumed: resumed };
  }

  /**
   * The account/remove job. Null when there is nothing to do: the user is gone already, or not being removed.
   * Throws (Bull retries with backoff) while posts deleted before the removal still wait for their files/release
   * job: their documents go once it has run, and the shakes only after every post, so no shake-deleted job takes
   * down a post of the account while this does.
   */
  async remove(userId: Types.ObjectId): Promise<RemovalResult | null> {
    const user = await this.users.findById(userId);
    if (!user?.removingSince) return null;
    await this.tokens.revokeAll(user._id);

    // Posts first, while their shakes still exist (their caches are named by the shake).
    const { removed: posts, waiting } = await this.removePostsOf(user._id);
    if (waiting > 0) throw new Error(`${waiting} deleted posts of the account still wait for their bytes to be released`);
    const likes = await this.likes.removeAllBy(user._id);
    const comments = await this.comments.removeAllBy(user._id);
    const follows = await this.follows.removeAllBy(user._id);

    let shakesPassed = 0;
    let shakesDeleted = 0;
    for (const shake of await this.shakes.ownedBy(user._id)) {
      if (shake.type === ShakeType.Group && (await this.shakes.passToManager(shake))) {
        shakesPassed += 1;
      } else {
        // As DELETE /shakes/:name: the social/shake-deleted job removes its follows, entries and others' posts.
        await this.shakes.removeShake(shake);
        shakesDeleted += 1;
      }
    }
    await this.shakes.withdrawManager(user._id);

    await this.notifications.forgetUser(user._id);
    await this.emailTokens.forget(user._id, user.email);
    await this.invites.forgetMadeBy(user._id);
    await this.quota.forget(user._id);
    await this.exports.forget(user._id);
    await this.sentMails.forgetUser(user._id);
    await this.tokens.revokeAll(user._id);

    await this.users.remove(user._id);
    await this.search.enqueue('user', user._id);
    const result = { posts, likes, comments, follows, shakesPassed, shakesDeleted };
    this.logger.log({ userId: user._id.toHexString(), ...result }, 'account removed');
    return result;
  }

  /**
   * Every post of the user, deleted ones too: a live one is taken down as DELETE /files/:key does, its reference
   * to the bytes given back at once (purged unless another post still uses them), its shake's and parent's
   * counters settled; then its document, its likes, its comments and the notifications about it are deleted. A
   * post deleted earlier whose files/release job has not run yet is left for that job (`waiting`).
   */
  private async removePostsOf(userId: Types.ObjectId): Promise<{ removed: number; waiting: number }> {
    let removed = 0;
    let waiting = 0;
    let after: Types.ObjectId | null = null;
    for (;;) {
      const batch = await this.postsRepository.allOf(userId, after, POST_BATCH);
      if (batch.length === 0) return { removed, waiting };
      const done: Types.ObjectId[] = [];
      for (const post of batch) {
        if (!post.deletedAt) await this.posts.takeDown(post, { releaseNow: true });
        else if (!post.sourceReleased) {
          waiting += 1;
          continue;
        }
        await this.postRemoval.settle(post);
        done.push(post._id);
      }
      await this.likes.removeAllOn(done);
      await this.comments.removeAllOn(done);
      await this.notifications.forgetAboutFiles(done);
      for (const id of done) {
        if (await this.posts.forgetTakenDown(id)) removed += 1;
      }
      after = batch[batch.length - 1]._id;
    }
  }
}
