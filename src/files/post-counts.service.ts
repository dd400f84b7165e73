import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { countBy } from '../common/counters/count-by';
import { fresherCountFilter } from '../common/counters/fresher-count';
import { type DerivedCounter, type FileCounters, SharedFile } from './schemas/shared-file.schema';

/** An original with this many likes becomes a magic file (MLKSHK's number). */
export const MAGIC_LIKES = 10;

/** What the recount job needs of a post. */
export interface PostCountsRow {
  _id: Types.ObjectId;
  originalId: Types.ObjectId | null;
  counts: FileCounters;
}

/**
 * The derived counters of posts (likes, saves, comments) and the magic mark, written only by jobs from counts of
 * the facts, and the save counts themselves (saves are posts).
 */
@Injectable()
export class PostCountsService {
  constructor(@InjectModel(SharedFile.name) private readonly files: Model<SharedFile>) {}

  /** An original counts every live save down its chain; a copy counts its direct live saves. */
  countSavesOf(post: { _id: Types.ObjectId; originalId: Types.ObjectId | null }): Promise<number> {
    const filter = post.originalId ? { parentId: post._id, deletedAt: null } : { originalId: post._id, deletedAt: null };
    return this.files.countDocuments(filter).exec();
  }

  /** Save counts of several posts at once (absent: none), by the rule of countSavesOf. */
  async countSavesOfEach(posts: PostCountsRow[]): Promise<Map<string, number>> {
    const originals = posts.filter((post) => !post.originalId).map((post) => post._id);
    const copies = posts.filter((post) => post.originalId).map((post) => post._id);
    const live = { deletedAt: null };
    return new Map([
      ...(await countBy(this.files, 'originalId', originals, live)),
      ...(await countBy(this.files, 'parentId', copies, live)),
    ]);
  }

  /** Stores a count taken at countedAt unless a later count is stored already. Returns whether it was written. */
  async store(id: Types.ObjectId, counter: DerivedCounter, count: number, countedAt: Date): Promise<boolean> {
    const result = await this.files
      .updateOne(
        { _id: id, ...fresherCountFilter(`countedAt.${counter}`, countedAt) },
        { $set: { [`counts.${counter}`]: count, [`countedAt.${counter}`]: countedAt } },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  /** Marks an original with enough likes as magic, once. Returns whether it became magic now. */
  async markMagicIfDue(id: Types.ObjectId, likes: number): Promise<boolean> {
    if (likes < MAGIC_LIKES) return false;
    const result = await this.files.updateOne({ _id: id, originalId: null, magicAt: null }, { $set: { magicAt: new Date() } }).exec();
    return result.modifiedCount > 0;
  }

  /** A page of posts (deleted ones too: their counters are still shown nowhere, but stay true) in _id order. */
  pageForRecount(after: Types.ObjectId | null, size: number): Promise<PostCountsRow[]> {
    return this.files
      .find(after ? { _id: { $gt: after } } : {}, { _id: 1, originalId: 1, counts: 1 })
      .sort({ _id: 1 })
      .limit(size)
      .lean<PostCountsRow[]>()
      .exec();
  }
}
