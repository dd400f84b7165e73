import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { countBy } from '../../common/counters/count-by';
import type { AuthUser } from '../../common/auth/auth-user';
import { ForbiddenError, NotFoundError } from '../../common/errors/domain-errors';
import { PostsService } from '../../files/posts.service';
import { PostsRepository } from '../../files/posts.repository';
import { JobProducer } from '../../jobs/job-producer';
import { Role } from '../../common/auth/role';
import { Comment, type CommentDocument } from './comment.schema';
import { removeOneByOne } from '../../common/async/remove-one-by-one';

/**
 * Comments and the queries on the comments collection (index {sharedFileId, _id}). A request writes or removes
 * the comment and queues a job that recounts and notifies.
 */
@Injectable()
export class CommentsService {
  constructor(
    @InjectModel(Comment.name) private readonly comments: Model<Comment>,
    private readonly jobs: JobProducer,
    private readonly files: PostsService,
    private readonly posts: PostsRepository,
  ) {}

  async create(author: AuthUser, key: string, body: string): Promise<CommentDocument> {
    const { file } = await this.files.getLive(key);
    const comment = await this.comments.create({ sharedFileId: file._id, userId: author.id, body });
    await this.jobs.send('social/commented', { commentId: comment._id.toHexString(), sharedFileId: file._id.toHexString() });
    return comment;
  }

  /** A live post's comments, oldest first; limit + 1 rows. */
  async listOf(key: string, after: Types.ObjectId | undefined, limit: number): Promise<CommentDocument[]> {
    const { file } = await this.files.getLive(key);
    const filter = after ? { sharedFileId: file._id, _id: { $gt: after } } : { sharedFileId: file._id };
    return this.comments
      .find(filter)
      .sort({ _id: 1 })
      .limit(limit + 1)
      .exec();
  }

  /** By its author, the owner of the file it is on, or an admin. */
  async remove(caller: AuthUser, id: string): Promise<void> {
    const comment = /^[0-9a-f]{24}$/.test(id) ? await this.comments.findById(id).exec() : null;
    if (!comment) throw new NotFoundError('No such comment');
    const file = await this.posts.findById(comment.sharedFileId);
    const mayDelete = comment.userId.equals(caller.id) || (file !== null && file.userId.equals(caller.id)) || caller.role === Role.Admin;
    if (!mayDelete) throw new ForbiddenError('Only the author, the owner of the file or an admin may delete a comment');
    const removed = await this.comments.findOneAndDelete({ _id: comment._id }).lean().exec();
    if (!removed) return;
    await this.jobs.send('social/comment-removed', {
      commentId: comment._id.toHexString(),
      sharedFileId: comment.sharedFileId.toHexString(),
    });
  }

  /** The comments a user wrote, oldest first after `after`; index {userId, _id}. */
  writtenBy(userId: Types.ObjectId, after: Types.ObjectId | null, limit: number): Promise<CommentDocument[]> {
    return this.comments
      .find({ userId, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  /**
   * Every comment a (removed) user wrote, each as remove() deletes one: the comment-removed job recounts the
   * post's comments. Idempotent: a run again finds only what is left.
   */
  removeAllBy(userId: Types.ObjectId, batchSize = 200): Promise<number> {
    return removeOneByOne(
      (size) => this.writtenBy(userId, null, size),
      async (comment) => {
        await this.comments.deleteOne({ _id: comment._id }).exec();
        await this.jobs.send('social/comment-removed', {
          commentId: comment._id.toHexString(),
          sharedFileId: comment.sharedFileId.toHexString(),
        });
      },
      batchSize,
    );
  }

  /** The comments on posts that are being removed for good (by anyone: the post they answer is gone). */
  async removeAllOn(sharedFileIds: Types.ObjectId[]): Promise<void> {
    if (sharedFileIds.length > 0) await this.comments.deleteMany({ sharedFileId: { $in: sharedFileIds } }).exec();
  }

  findById(id: Types.ObjectId): Promise<CommentDocument | null> {
    return this.comments.findById(id).exec();
  }

  countOf(sharedFileId: Types.ObjectId): Promise<number> {
    return this.comments.countDocuments({ sharedFileId }).exec();
  }

  /** Comment counts of several posts at once; posts without comments are absent from the map. */
  countOfEach(sharedFileIds: Types.ObjectId[]): Promise<Map<string, number>> {
    return countBy(this.comments, 'sharedFileId', sharedFileIds);
  }
}
