import { Process, Processor } from '@nestjs/bull';
import { SearchIndexer } from '../jobs/search-indexer';
import type { Job } from 'bull';
import type { Types } from 'mongoose';
import { PostsRepository } from '../files/posts.repository';
import { objectIdIn } from '../jobs/job-payload';
import { type CommentJob, type LikeJob, type PostJob, QUEUES } from '../jobs/queues';
import { NotificationsService } from '../notifications/notifications.service';
import { NotificationType } from '../notifications/schemas/notification.schema';
import { UsersService } from '../users/users.service';
import { CommentsService } from './comments/comments.service';
import { mentionsIn } from './comments/mentions';
import { FileCountersService } from './file-counters.service';
import { LikesService } from './likes/likes.service';
import { PostRemovalService } from './post-removal.service';
import { ShakeCountersService } from '../shakes/shake-counters.service';

const { jobs } = QUEUES.social;

/**
 * Jobs that follow posts, likes and comments. Each recounts from the facts and notifies only if the fact still
 * exists when it runs, so running it twice or late is harmless (a repeated notification is stored once).
 */
@Processor(QUEUES.social.name)
export class FileActivityProcessor {
  constructor(
    private readonly posts: PostsRepository,
    private readonly shakeCounters: ShakeCountersService,
    private readonly fileCounters: FileCountersService,
    private readonly likes: LikesService,
    private readonly comments: CommentsService,
    private readonly users: UsersService,
    private readonly notifications: NotificationsService,
    private readonly search: SearchIndexer,
    private readonly removal: PostRemovalService,
  ) {}

  @Process(jobs.posted)
  async posted(job: Job<PostJob>): Promise<{ fileCount: number; notified: boolean }> {
    const post = await this.posts.findById(await objectIdIn(job, job.data.sharedFileId));
    if (!post) return { fileCount: 0, notified: false };
    await this.search.enqueue('file', post._id); // saved copies are searchable with originals=false
    const fileCount = await this.shakeCounters.recountFilesOf(post.shakeId);
    if (!post.parentId) return { fileCount, notified: false };
    await this.recountSavesAbove(post.parentId, post.originalId);
    const parent = await this.posts.findById(post.parentId);
    const notified =
      !post.deletedAt &&
      parent !== null &&
      (await this.notifications.notify({
        type: NotificationType.Save,
        recipientId: parent.userId,
        actorId: post.userId,
        subject: { fileId: parent._id },
        factId: post._id,
      }));
    return { fileCount, notified };
  }

  /** The post leaves its shake (again, if the request did it already) and stops counting as a save. */
  @Process(jobs.postRemoved)
  async postRemoved(job: Job<PostJob>): Promise<{ fileCount: number }> {
    const post = await this.posts.findById(await objectIdIn(job, job.data.sharedFileId));
    if (!post) return { fileCount: 0 };
    return { fileCount: await this.removal.settle(post) };
  }

  @Process(jobs.liked)
  async liked(job: Job<LikeJob>): Promise<{ likes: number; becameMagic: boolean; notified: boolean }> {
    const likeId = await objectIdIn(job, job.data.likeId);
    const sharedFileId = await objectIdIn(job, job.data.sharedFileId);
    const counted = await this.fileCounters.recountLikesOf(sharedFileId);
    await this.search.enqueue('file', sharedFileId); // likes rank search results
    const [like, post] = await Promise.all([this.likes.findById(likeId), this.posts.findById(sharedFileId)]);
    const notified =
      like !== null &&
      post !== null &&
      !post.deletedAt &&
      (await this.notifications.notify({
        type: NotificationType.Like,
        recipientId: post.userId,
        actorId: like.userId,
        subject: { fileId: post._id },
        factId: like._id,
      }));
    return { ...counted, notified };
  }

  @Process(jobs.unliked)
  async unliked(job: Job<LikeJob>): Promise<{ likes: number }> {
    const sharedFileId = await objectIdIn(job, job.data.sharedFileId);
    const { likes } = await this.fileCounters.recountLikesOf(sharedFileId);
    await this.search.enqueue('file', sharedFileId);
    return { likes };
  }

  /** Notifies the file's owner (comment) and every other user the comment @mentions (mention). */
  @Process(jobs.commented)
  async commented(job: Job<CommentJob>): Promise<{ comments: number; notified: number }> {
    const commentId = await objectIdIn(job, job.data.commentId);
    const sharedFileId = await objectIdIn(job, job.data.sharedFileId);
    const comments = await this.fileCounters.recountCommentsOf(sharedFileId);
    const [comment, post] = await Promise.all([this.comments.findById(commentId), this.posts.findById(sharedFileId)]);
    if (!comment || !post || post.deletedAt) return { comments, notified: 0 };
    const subject = { fileId: post._id, commentId: comment._id };
    let notified = Number(
      await this.notifications.notify({
        type: NotificationType.Comment,
        recipientId: post.userId,
        actorId: comment.userId,
        subject,
        factId: comment._id,
      }),
    );
    for (const name of mentionsIn(comment.body)) {
      const mentioned = await this.users.findByUsername(name);
      if (!mentioned || mentioned.disabled || mentioned._id.equals(post.userId)) continue; // the owner was told above
      const event = { type: NotificationType.Mention, recipientId: mentioned._id, actorId: comment.userId, subject, factId: comment._id };
      if (await this.notifications.notify(event)) notified += 1;
    }
    return { comments, notified };
  }

  @Process(jobs.commentRemoved)
  async commentRemoved(job: Job<CommentJob>): Promise<{ comments: number }> {
    return { comments: await this.fileCounters.recountCommentsOf(await objectIdIn(job, job.data.sharedFileId)) };
  }

  private async recountSavesAbove(parentId: Types.ObjectId, originalId: Types.ObjectId | null): Promise<void> {
    await this.fileCounters.recountSavesOf(parentId);
    if (originalId && !originalId.equals(parentId)) await this.fileCounters.recountSavesOf(originalId);
  }
}
