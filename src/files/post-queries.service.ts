import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { FilterQuery, Model, Types } from 'mongoose';
import { SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';

/** An original for the popular snapshot: enough to score it. */
export interface PopularCandidate {
  _id: Types.ObjectId;
  likes: number;
  createdAt: Date;
}

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * The list queries on shared_files behind the public streams, each next to the index it uses (see the schema).
 * Every list is keyset-paginated: limit + 1 rows, so the caller can tell whether more exist.
 */
@Injectable()
export class PostQueries {
  constructor(@InjectModel(SharedFile.name) private readonly files: Model<SharedFile>) {}

  findById(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findById(id).exec();
  }

  /** The live ones among these posts, in the order of the ids given. */
  async findLiveInOrder(ids: Types.ObjectId[]): Promise<SharedFileDocument[]> {
    if (ids.length === 0) return [];
    const found = await this.files.find({ _id: { $in: ids }, deletedAt: null }).exec();
    const byId = new Map(found.map((post) => [hex(post._id), post]));
    return ids.flatMap((id) => byId.get(hex(id)) ?? []);
  }

  /** GET /incoming: new originals, NSFW left out; index {originalId, nsfw, deletedAt, _id}. */
  incoming(before: Types.ObjectId | undefined, limit: number): Promise<SharedFileDocument[]> {
    const filter: FilterQuery<SharedFile> = { originalId: null, nsfw: false, deletedAt: null };
    if (before) filter._id = { $lt: before };
    return this.files.find(filter).sort({ _id: -1 }).limit(limit + 1).exec();
  }

  /**
   * GET /magic: magicAt newest first, _id breaking ties; index {magicAt, _id}. The cursor names a post, whose
   * magicAt (set once, never changed) gives the position.
   */
  async magic(before: Types.ObjectId | undefined, limit: number): Promise<SharedFileDocument[] | null> {
    const filter: FilterQuery<SharedFile> = { magicAt: { $ne: null }, deletedAt: null, nsfw: false };
    if (before) {
      const at = await this.files.findById(before, { magicAt: 1 }).lean().exec();
      if (!at?.magicAt) return null;
      filter.$or = [{ magicAt: { $lt: at.magicAt } }, { magicAt: at.magicAt, _id: { $lt: before } }];
    }
    return this.files.find(filter).sort({ magicAt: -1, _id: -1 }).limit(limit + 1).exec();
  }

  /** GET /tags/:tag: originals with the tag, newest first; multikey index {tags, originalId, deletedAt, _id}. */
  tagged(tag: string, before: Types.ObjectId | undefined, limit: number): Promise<SharedFileDocument[]> {
    const filter: FilterQuery<SharedFile> = { tags: tag, originalId: null, deletedAt: null, nsfw: false };
    if (before) filter._id = { $lt: before };
    return this.files.find(filter).sort({ _id: -1 }).limit(limit + 1).exec();
  }

  /** Originals made after `since` with at least one like, newest first (the incoming index, bounded by _id). */
  popularCandidates(since: Types.ObjectId, max: number): Promise<PopularCandidate[]> {
    return this.files
      .find(
        { originalId: null, nsfw: false, deletedAt: null, _id: { $gt: since }, 'counts.likes': { $gt: 0 } },
        { 'counts.likes': 1, createdAt: 1 },
      )
      .sort({ _id: -1 })
      .limit(max)
      .lean<{ _id: Types.ObjectId; counts: { likes: number }; createdAt: Date }[]>()
      .exec()
      .then((rows) => rows.map((row) => ({ _id: row._id, likes: row.counts.likes, createdAt: row.createdAt })));
  }
}
