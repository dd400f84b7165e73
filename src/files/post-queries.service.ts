import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model, Types } from 'mongoose';
import { countBy } from '../common/counters/count-by';
import { idRange, type Seek } from '../common/pagination/seek';
import { LIVE_POSTS } from './post-visibility';
import { saveKeyOf, SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';

/** An original for the popular snapshot: enough to score it. */
export interface PopularCandidate {
  _id: Types.ObjectId;
  likes: number;
  createdAt: Date;
}

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * The list queries on shared_files behind the public streams, each next to the index it uses (see the schema).
 * Every list is keyset-paginated in both directions: limit + 1 rows from the seek's position, in the order read
 * (newest first going older, oldest first going newer; see pageFromRows), so the caller can tell whether more exist.
 */
@Injectable()
export class PostQueriesService {
  constructor(@InjectModel(SharedFile.name) private readonly files: Model<SharedFile>) {}

  findById(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findById(id).exec();
  }

  /** Post and original ids by share key (viewer state); the unique key index. Keys never change, so callers may keep these. */
  idsByKeys(keys: string[]): Promise<{ _id: Types.ObjectId; key: string; originalId: Types.ObjectId | null }[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.files
      .find({ key: { $in: keys } }, { key: 1, originalId: 1 })
      .lean()
      .exec();
  }

  /**
   * Which of these posts the user has a live save of: one query on the unique saveKey ("<userId>:<parentId>" while
   * the save is live, see the schema). Returns the saved posts' ids (hex).
   */
  async savedBy(userId: Types.ObjectId, parentIds: Types.ObjectId[]): Promise<Set<string>> {
    if (parentIds.length === 0) return new Set();
    const rows = await this.files
      .find({ saveKey: { $in: parentIds.map((id) => saveKeyOf(userId, id)) }, deletedAt: null }, { parentId: 1 })
      .lean()
      .exec();
    return new Set(rows.flatMap((row) => (row.parentId ? [hex(row.parentId)] : [])));
  }

  /** The files sweeper: posts deleted before `olderThan` whose source reference was not given back yet; index {sourceReleased, deletedAt}. */
  deletedNotReleased(olderThan: Date, after: Types.ObjectId | null, limit: number): Promise<SharedFileDocument[]> {
    return this.files
      .find({ sourceReleased: false, deletedAt: { $ne: null, $lt: olderThan }, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  /**
   * For each of these sources, how many posts hold a reference to it (every post not yet released, deleted or not;
   * see SharedFile.sourceReleased), and which of them have a post written since `since` (the reference audit);
   * index {sourceId}. A source no post holds is absent from `held`.
   */
  async referencesTo(sourceIds: Types.ObjectId[], since: Date): Promise<{ held: Map<string, number>; touched: Set<string> }> {
    if (sourceIds.length === 0) return { held: new Map(), touched: new Set() };
    const [held, touched] = await Promise.all([
      countBy(this.files, 'sourceId', sourceIds, { sourceReleased: false }),
      this.files
        .find({ sourceId: { $in: sourceIds }, updatedAt: { $gte: since } }, { sourceId: 1 })
        .lean()
        .exec(),
    ]);
    return { held, touched: new Set(touched.map((post) => hex(post.sourceId))) };
  }

  /** A user's live posts (uploads and saves), oldest first after `after`: the account export; index {userId}. */
  liveOf(userId: Types.ObjectId, after: Types.ObjectId | null, limit: number): Promise<SharedFileDocument[]> {
    return this.files
      .find({ userId, ...LIVE_POSTS, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  /** The live ones among these posts (NSFW ones left out unless shown), in the order of the ids given. */
  async findLiveInOrder(ids: Types.ObjectId[], showNsfw = true): Promise<SharedFileDocument[]> {
    if (ids.length === 0) return [];
    const found = await this.files.find({ _id: { $in: ids }, ...LIVE_POSTS, ...(showNsfw ? {} : { nsfw: false }) }).exec();
    const byId = new Map(found.map((post) => [hex(post._id), post]));
    return ids.flatMap((id) => byId.get(hex(id)) ?? []);
  }

  /**
   * GET /incoming: new originals, NSFW left out unless shown; index {originalId, nsfw, deletedAt, _id}. With NSFW
   * shown, nsfw is still pinned (to both values), so the index gives the order as two ranges merged.
   */
  incoming(seek: Seek, showNsfw: boolean): Promise<SharedFileDocument[]> {
    const { bound, sort } = idRange(seek);
    const nsfw = showNsfw ? { $in: [false, true] } : false;
    return this.files
      .find({ originalId: null, nsfw, ...LIVE_POSTS, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  /**
   * GET /magic (NSFW left out unless shown): magicAt newest first, _id breaking ties; index {magicAt, _id}. The
   * cursor names a post, whose magicAt (set once, never changed) gives the position. Null when the cursor's post
   * is not a magic file.
   */
  async magic(seek: Seek, showNsfw: boolean): Promise<SharedFileDocument[] | null> {
    const filter: FilterQuery<SharedFile> = { magicAt: { $ne: null }, ...LIVE_POSTS, ...(showNsfw ? {} : { nsfw: false }) };
    const newer = seek.direction === 'newer';
    if (seek.from) {
      const at = await this.files.findById(seek.from, { magicAt: 1 }).lean().exec();
      if (!at?.magicAt) return null;
      const beyond = newer ? '$gt' : '$lt';
      filter.$or = [{ magicAt: { [beyond]: at.magicAt } }, { magicAt: at.magicAt, _id: { [beyond]: seek.from } }];
    }
    const order = newer ? 1 : -1;
    return this.files
      .find(filter)
      .sort({ magicAt: order, _id: order })
      .limit(seek.limit + 1)
      .exec();
  }

  /**
   * GET /tags/:tag: originals with the tag (NSFW left out unless shown), newest first; multikey index
   * {tags, originalId, deletedAt, _id}.
   */
  tagged(tag: string, seek: Seek, showNsfw: boolean): Promise<SharedFileDocument[]> {
    const { bound, sort } = idRange(seek);
    const nsfw = showNsfw ? {} : { nsfw: false };
    return this.files
      .find({ tags: tag, originalId: null, ...LIVE_POSTS, ...nsfw, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  /** Originals made after `since` with at least one like, newest first (the incoming index, bounded by _id). */
  popularCandidates(since: Types.ObjectId, max: number): Promise<PopularCandidate[]> {
    return this.files
      .find(
        { originalId: null, nsfw: false, ...LIVE_POSTS, _id: { $gt: since }, 'counts.likes': { $gt: 0 } },
        { 'counts.likes': 1, createdAt: 1 },
      )
      .sort({ _id: -1 })
      .limit(max)
      .lean<{ _id: Types.ObjectId; counts: { likes: number }; createdAt: Date }[]>()
      .exec()
      .then((rows) => rows.map((row) => ({ _id: row._id, likes: row.counts.likes, createdAt: row.createdAt })));
  }
}
