import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model, Types } from 'mongoose';
import { ListReads } from '../common/database/list-reads';
import { countBy } from '../common/counters/count-by';
import { idRange, type Seek } from '../common/pagination/seek';
import { LIVE_POSTS } from './post-visibility';
import { fresherCountFilter } from '../common/counters/fresher-count';
import { type DerivedCounter, type FileCounters, saveKeyOf, SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';

/** An original for the popular snapshot: enough to score it. */
export interface PopularCandidate {
  _id: Types.ObjectId;
  likes: number;
  createdAt: Date;
}

const hex = (id: Types.ObjectId) => id.toHexString();

/** What a request decides about a new post; the rest (tags, nsfw, counters) follows from it. */
export interface NewPost {
  sourceId: Types.ObjectId;
  userId: Types.ObjectId;
  shakeId: Types.ObjectId;
  title: string;
  description: string;
  altText: string;
  nsfw: boolean;
  parentId?: Types.ObjectId;
  originalId?: Types.ObjectId;
  savedFromKey?: string;
  fileName?: string | null;
}

/** What the recount job needs of a post. */
export interface PostCountsRow {
  _id: Types.ObjectId;
  originalId: Types.ObjectId | null;
  counts: FileCounters;
}

/**
 * The one owner of shared_files (posts): every query and write of the collection is here, each next to the index it
 * uses (see the schema), so no other class injects its model (test/architecture.spec.ts). The rules sit with the
 * services: the post lifecycle (PostsService), what a visible post is (post-visibility.ts, VisiblePostsService),
 * the derived counters (PostCountsService). The lists are keyset-paginated in both directions: limit + 1 rows from
 * the seek's position, in the order read (newest first going older, oldest first going newer; see pageFromRows), so
 * the caller can tell whether more exist.
 */
@Injectable()
export class PostsRepository {
  constructor(
    @InjectModel(SharedFile.name) private readonly files: Model<SharedFile>,
    private readonly lists: ListReads,
  ) {}

  /** A new post; throws the duplicate key error of the unique key or saveKey (the caller decides what it means). */
  insert(post: NewPost & { key: string; tags: string[]; saveKey?: string }): Promise<SharedFileDocument> {
    return this.files.create(post);
  }

  /** Takes back a post that could not be made whole (never placed, or its source gone). */
  async deleteById(id: Types.ObjectId): Promise<void> {
    await this.files.deleteOne({ _id: id }).exec();
  }

  /** Whether a post holds this saveKey (live saves only hold "<userId>:<parentId>"). */
  async saveKeyTaken(saveKey: string): Promise<boolean> {
    return (await this.files.exists({ saveKey })) !== null;
  }

  /** The saver's live save of the parent, if any; the unique saveKey. */
  findLiveSaveOf(saverId: Types.ObjectId, parentId: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findOne({ saveKey: saveKeyOf(saverId, parentId), ...LIVE_POSTS }).exec();
  }

  /** A post that is not deleted, by share key (the unique key index); visibility is VisiblePostsService's. */
  findLiveByKey(key: string): Promise<SharedFileDocument | null> {
    return this.files.findOne({ key, ...LIVE_POSTS }).exec();
  }

  findLiveById(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findOne({ _id: id, ...LIVE_POSTS }).exec();
  }

  /** Share keys of these posts by id (hex), deleted ones too: the savedFrom of copies made before savedFromKey. */
  async keysByIds(ids: Types.ObjectId[]): Promise<Map<string, string>> {
    const rows = await this.lists.byIds(this.files, ids, { key: 1 });
    return new Map(rows.map((row) => [hex(row._id), row.key]));
  }

  /** PATCH /files/:key: title, description, alt text and the tags that follow from the description. */
  async setWords(id: Types.ObjectId, words: Partial<Pick<SharedFile, 'title' | 'description' | 'altText' | 'tags'>>): Promise<void> {
    if (Object.keys(words).length > 0) await this.files.updateOne({ _id: id }, { $set: words }).exec();
  }

  /** The one-way NSFW flag on one post (a copy of a source already marked). */
  async markNsfw(id: Types.ObjectId): Promise<void> {
    await this.files.updateOne({ _id: id }, { $set: { nsfw: true } }).exec();
  }

  /** The flag copied onto every post of a source just marked; returns its live posts (their caches change). */
  async markNsfwBySource(sourceId: Types.ObjectId): Promise<SharedFileDocument[]> {
    await this.files.updateMany({ sourceId }, { $set: { nsfw: true } }).exec();
    return this.files.find({ sourceId, ...LIVE_POSTS }).exec();
  }

  /** Soft delete, once; the saveKey is freed so that the user may save the parent again. */
  async markDeleted(post: Pick<SharedFileDocument, '_id'>): Promise<void> {
    await this.files
      .updateOne({ _id: post._id, deletedAt: null }, { $set: { deletedAt: new Date(), saveKey: post._id.toHexString() } })
      .exec();
  }

  /**
   * The posts of a shake whose reference is not released yet, deleted or not, in _id order after `after` (taking
   * a deleted shake's posts down, resumably); index {shakeId, _id}.
   */
  unreleasedOfShake(shakeId: Types.ObjectId, after: Types.ObjectId | undefined, limit: number): Promise<SharedFileDocument[]> {
    return this.files
      .find({ shakeId, sourceReleased: false, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  /** Marks a deleted post's reference released, once: returns the post if this call marked it, else null. */
  markReleased(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files
      .findOneAndUpdate({ _id: id, deletedAt: { $ne: null }, sourceReleased: false }, { $set: { sourceReleased: true } })
      .exec();
  }

  /** How many posts hold a reference to this source (every post not yet released, deleted or not); index {sourceId}. */
  holdersOf(sourceId: Types.ObjectId): Promise<number> {
    return this.files.countDocuments({ sourceId, sourceReleased: false }).exec();
  }

  /** Deletes the document of a post taken down whose reference was given back (a removed account's); true if it did. */
  async deleteReleased(id: Types.ObjectId): Promise<boolean> {
    const { deletedCount } = await this.files.deleteOne({ _id: id, deletedAt: { $ne: null }, sourceReleased: true }).exec();
    return deletedCount === 1;
  }

  /** How many posts match; the counters' facts (saves are posts). */
  countLive(filter: FilterQuery<SharedFile>): Promise<number> {
    return this.files.countDocuments({ ...filter, ...LIVE_POSTS }).exec();
  }

  /** How many live posts have each of these ids in `field` (absent: none), in one aggregation. */
  countLiveBy(field: 'originalId' | 'parentId', ids: Types.ObjectId[]): Promise<Map<string, number>> {
    return countBy(this.files, field, ids, LIVE_POSTS);
  }

  /** Stores a count taken at countedAt unless a later count is stored already. Returns whether it was written. */
  async storeCount(id: Types.ObjectId, counter: DerivedCounter, count: number, countedAt: Date): Promise<boolean> {
    const result = await this.files
      .updateOne(
        { _id: id, ...fresherCountFilter(`countedAt.${counter}`, countedAt) },
        { $set: { [`counts.${counter}`]: count, [`countedAt.${counter}`]: countedAt } },
      )
      .exec();
    return result.modifiedCount > 0;
  }

  /** Sets magicAt on an original, once. Returns whether this call set it. */
  async markMagic(id: Types.ObjectId): Promise<boolean> {
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

  /** The ids of live posts, oldest first, a cursor (a search rebuild's walk); of one user only if given (index {userId}). */
  liveIds(batchSize: number, userId?: Types.ObjectId): AsyncIterable<{ _id: Types.ObjectId }> {
    return this.files
      .find({ ...LIVE_POSTS, ...(userId ? { userId } : {}) }, { _id: 1 })
      .sort({ _id: 1 })
      .lean<{ _id: Types.ObjectId }[]>()
      .cursor({ batchSize });
  }

  /** About how many posts there are (a rebuild's progress). */
  estimatedCount(): Promise<number> {
    return this.files.estimatedDocumentCount().exec();
  }

  findById(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findById(id).exec();
  }

  /** Post and original ids by share key (viewer state; see ListReads); the unique key index. Keys never change, so callers may keep these. */
  idsByKeys(keys: string[]): Promise<{ _id: Types.ObjectId; key: string; originalId: Types.ObjectId | null }[]> {
    return this.lists.byValues(this.files, 'key', keys, {}, { key: 1, originalId: 1 });
  }

  /**
   * Which of these posts the user has a live save of: reads on the unique saveKey (see ListReads) ("<userId>:<parentId>" while
   * the save is live, see the schema). Returns the saved posts' ids (hex).
   */
  async savedBy(userId: Types.ObjectId, parentIds: Types.ObjectId[]): Promise<Set<string>> {
    const keys = parentIds.map((id) => saveKeyOf(userId, id));
    const rows = await this.lists.byValues(this.files, 'saveKey', keys, { deletedAt: null }, { parentId: 1 });
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

  /** Every post of a user, deleted ones too, oldest first after `after`: removing the account; index {userId}. */
  allOf(userId: Types.ObjectId, after: Types.ObjectId | null, limit: number): Promise<SharedFileDocument[]> {
    return this.files
      .find({ userId, ...(after ? { _id: { $gt: after } } : {}) })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  /**
   * The live ones among these posts (NSFW ones left out unless shown), in the order of the ids given. Read by
   * `_id` alone and sorted out here: on FerretDB one more field in the filter would turn each read into a scan.
   */
  async findLiveInOrder(ids: Types.ObjectId[], showNsfw = true): Promise<SharedFileDocument[]> {
    const found = (await this.lists.byIds(this.files, ids)).filter((post) => !post.deletedAt && (showNsfw || !post.nsfw));
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
