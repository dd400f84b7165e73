import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { ConflictError } from '../common/errors/domain-errors';
import { JobProducer } from '../jobs/job-producer';
import { Follow, type FollowDocument } from './schemas/follow.schema';
import type { ShakeDocument } from './schemas/shake.schema';
import { countBy } from '../common/counters/count-by';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { idRange, type Seek } from '../common/pagination/seek';
import { removeOneByOne } from '../common/async/remove-one-by-one';

/** The home timeline reads this many followed shakes at most (see docs/timelines.md). */
export const MAX_FOLLOWED_READ = 2000;

/**
 * Follows and the queries on the follows collection (indexes: {followerId, shakeId} unique,
 * {shakeId, _id}, {followerId, _id}). A request writes or removes the fact and queues a job; the job
 * derives the counter and the notification from the facts.
 */
@Injectable()
export class FollowsService {
  constructor(
    @InjectModel(Follow.name) private readonly follows: Model<Follow>,
    private readonly jobs: JobProducer,
  ) {}

  /** Idempotent: following again changes nothing and queues nothing. */
  async follow(userId: Types.ObjectId, shake: ShakeDocument): Promise<void> {
    if (shake.ownerId.equals(userId)) throw new ConflictError('You cannot follow your own shake');
    let follow: FollowDocument;
    try {
      follow = await this.follows.create({ followerId: userId, shakeId: shake._id });
    } catch (error) {
      if (isDuplicateKeyError(error)) return;
      throw error;
    }
    await this.jobs.send('social/followed', {
      followId: follow._id.toHexString(),
      shakeId: shake._id.toHexString(),
      followerId: userId.toHexString(),
    });
  }

  /** Idempotent: unfollowing what you do not follow changes nothing. */
  async unfollow(userId: Types.ObjectId, shake: ShakeDocument): Promise<void> {
    const removed = await this.follows.findOneAndDelete({ followerId: userId, shakeId: shake._id }).lean().exec();
    if (!removed) return;
    await this.jobs.send('social/unfollowed', { followId: removed._id.toHexString(), shakeId: shake._id.toHexString() });
  }

  findById(id: Types.ObjectId): Promise<FollowDocument | null> {
    return this.follows.findById(id).exec();
  }

  /** A shake's followers from the seek's position, limit + 1 rows in the order read (see keysetPage). */
  followersOf(shakeId: Types.ObjectId, seek: Seek): Promise<FollowDocument[]> {
    const { bound, sort } = idRange(seek);
    return this.follows
      .find({ shakeId, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  /** The follows of a user from the seek's position, limit + 1 rows in the order read (see keysetPage). */
  followedBy(userId: Types.ObjectId, seek: Seek): Promise<FollowDocument[]> {
    const { bound, sort } = idRange(seek);
    return this.follows
      .find({ followerId: userId, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  /**
   * The shakes a user follows (at most MAX_FOLLOWED_READ, the most recently followed), for the home timeline,
   * which reads them at request time.
   */
  async shakeIdsFollowedBy(userId: Types.ObjectId): Promise<Types.ObjectId[]> {
    const rows = await this.follows.find({ followerId: userId }, { shakeId: 1 }).sort({ _id: -1 }).limit(MAX_FOLLOWED_READ).lean().exec();
    return rows.map((row) => row.shakeId);
  }

  /** Which of these shakes the user follows (ids, hex): one query on the unique {followerId, shakeId} index. */
  async followedAmong(userId: Types.ObjectId, shakeIds: Types.ObjectId[]): Promise<Set<string>> {
    if (shakeIds.length === 0) return new Set();
    const rows = await this.follows
      .find({ followerId: userId, shakeId: { $in: shakeIds } }, { shakeId: 1 })
      .lean()
      .exec();
    return new Set(rows.map((row) => row.shakeId.toHexString()));
  }

  countFollowersOf(shakeId: Types.ObjectId): Promise<number> {
    return this.follows.countDocuments({ shakeId }).exec();
  }

  /** Follower counts of several shakes at once; shakes nobody follows are absent from the map. */
  async countFollowersOfEach(shakeIds: Types.ObjectId[]): Promise<Map<string, number>> {
    return countBy(this.follows, 'shakeId', shakeIds);
  }

  /**
   * Every follow a (removed) user made, each as unfollow() removes one: the unfollowed job recounts the shake's
   * followers. Idempotent: a run again finds only what is left.
   */
  removeAllBy(followerId: Types.ObjectId, batchSize = 200): Promise<number> {
    return removeOneByOne(
      (size) => this.follows.find({ followerId }).sort({ _id: 1 }).limit(size).lean().exec(),
      async (follow) => {
        await this.follows.deleteOne({ _id: follow._id }).exec();
        await this.jobs.send('social/unfollowed', { followId: follow._id.toHexString(), shakeId: follow.shakeId.toHexString() });
      },
      batchSize,
    );
  }

  async removeAllOf(shakeId: Types.ObjectId): Promise<number> {
    return (await this.follows.deleteMany({ shakeId }).exec()).deletedCount;
  }
}
