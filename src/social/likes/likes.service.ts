import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type Types } from 'mongoose';
import { countBy } from '../../common/counters/count-by';
import { ConflictError } from '../../common/errors/domain-errors';
import { idRange, type Seek } from '../../common/pagination/seek';
import type { SharedFileDocument } from '../../files/schemas/shared-file.schema';
import { PostsService } from '../../files/posts.service';
import { JobProducer } from '../../jobs/job-producer';
import { Like, type LikeDocument } from './like.schema';
import { isDuplicateKeyError } from '../../common/errors/duplicate-key';
import { removeOneByOne } from '../../common/async/remove-one-by-one';

/**
 * Likes and the queries on the likes collection (indexes: {userId, sharedFileId} unique, sharedFileId,
 * {userId, _id}). A request writes or removes the fact and queues a job that recounts and notifies.
 */
@Injectable()
export class LikesService {
  constructor(
    @InjectModel(Like.name) private readonly likes: Model<Like>,
    private readonly jobs: JobProducer,
    private readonly files: PostsService,
  ) {}

  /**
   * Idempotent. Liking a saved copy also likes its original (two facts), unless the original is the liker's own
   * or not visible.
   */
  async like(userId: Types.ObjectId, key: string): Promise<void> {
    const { file } = await this.files.getLive(key);
    if (file.userId.equals(userId)) throw new ConflictError('You cannot like your own file');
    const targets: SharedFileDocument[] = [file];
    if (file.originalId) {
      const original = await this.files.findVisibleById(file.originalId);
      if (original && !original.userId.equals(userId)) targets.push(original);
    }
    for (const target of targets) await this.likeOne(userId, target._id);
  }

  /** Idempotent: unliking what you do not like changes nothing. Only this post: the original keeps its like. */
  async unlike(userId: Types.ObjectId, key: string): Promise<void> {
    const { file } = await this.files.getLive(key);
    const removed = await this.likes.findOneAndDelete({ userId, sharedFileId: file._id }).lean().exec();
    if (!removed) return;
    await this.jobs.send('social/unliked', { likeId: removed._id.toHexString(), sharedFileId: file._id.toHexString() });
  }

  private async likeOne(userId: Types.ObjectId, sharedFileId: Types.ObjectId): Promise<void> {
    let like: LikeDocument;
    try {
      like = await this.likes.create({ userId, sharedFileId });
    } catch (error) {
      if (isDuplicateKeyError(error)) return;
      throw error;
    }
    await this.jobs.send('social/liked', { likeId: like._id.toHexString(), sharedFileId: sharedFileId.toHexString() });
  }

  /**
   * Every like a (removed) user gave, each as unlike() removes one: the unliked job recounts the post's likes.
   * Idempotent: a run again finds only what is left.
   */
  removeAllBy(userId: Types.ObjectId, batchSize = 200): Promise<number> {
    return removeOneByOne(
      (size) => this.likes.find({ userId }).sort({ _id: 1 }).limit(size).lean().exec(),
      async (like) => {
        await this.likes.deleteOne({ _id: like._id }).exec();
        await this.jobs.send('social/unliked', { likeId: like._id.toHexString(), sharedFileId: like.sharedFileId.toHexString() });
      },
      batchSize,
    );
  }

  /** The likes of posts that are being removed for good (nothing is left to count them on); index {sharedFileId}. */
  async removeAllOn(sharedFileIds: Types.ObjectId[]): Promise<void> {
    if (sharedFileIds.length > 0) await this.likes.deleteMany({ sharedFileId: { $in: sharedFileIds } }).exec();
  }

  findById(id: Types.ObjectId): Promise<LikeDocument | null> {
    return this.likes.findById(id).exec();
  }

  /** A user's likes from the seek's position, limit + 1 in the order read (see pageFromRows). */
  likesOf(userId: Types.ObjectId, seek: Seek): Promise<LikeDocument[]> {
    const { bound, sort } = idRange(seek);
    return this.likes
      .find({ userId, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  countOf(sharedFileId: Types.ObjectId): Promise<number> {
    return this.likes.countDocuments({ sharedFileId }).exec();
  }

  /** Which of these posts the user likes (ids, hex): one query on the unique {userId, sharedFileId} index. */
  async likedBy(userId: Types.ObjectId, sharedFileIds: Types.ObjectId[]): Promise<Set<string>> {
    if (sharedFileIds.length === 0) return new Set();
    const rows = await this.likes
      .find({ userId, sharedFileId: { $in: sharedFileIds } }, { sharedFileId: 1 })
      .lean()
      .exec();
    return new Set(rows.map((row) => row.sharedFileId.toHexString()));
  }

  /** Like counts of several posts at once; posts nobody likes are absent from the map. */
  countOfEach(sharedFileIds: Types.ObjectId[]): Promise<Map<string, number>> {
    return countBy(this.likes, 'sharedFileId', sharedFileIds);
  }
}
