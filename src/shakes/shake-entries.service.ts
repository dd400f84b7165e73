import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { ListReads } from '../common/database/list-reads';
import { idRange, type Seek } from '../common/pagination/seek';
import { ShakeEntry, type ShakeEntryDocument } from './schemas/shake-entry.schema';
import { countBy } from '../common/counters/count-by';

export interface NewShakeEntry {
  shakeId: Types.ObjectId;
  sharedFileId: Types.ObjectId;
  sourceId: Types.ObjectId;
  userId: Types.ObjectId;
}

/** ObjectIds of one process and second grow; their hex spellings compare like the ids. */
const isNewer = (a: Types.ObjectId, b: Types.ObjectId) => a.toHexString() > b.toHexString();

/**
 * Newer entries (of each source, where ListReads reads one source at a time) beyond which the home timeline stops
 * looking for older duplicates of a page's sources.
 */
const DUPLICATE_PROBE_LIMIT = 1000;

/**
 * Shake timelines and the queries on shake_entries (indexes: {shakeId, _id}, {sharedFileId, shakeId} unique,
 * {sourceId, shakeId, _id}).
 */
@Injectable()
export class ShakeEntriesService {
  constructor(
    @InjectModel(ShakeEntry.name) private readonly entries: Model<ShakeEntry>,
    private readonly lists: ListReads,
  ) {}

  add(entry: NewShakeEntry): Promise<ShakeEntryDocument> {
    return this.entries.create(entry);
  }

  /** Idempotent: the post leaves every shake. Returns the shakes it left. */
  async removePost(sharedFileId: Types.ObjectId): Promise<Types.ObjectId[]> {
    const found = await this.entries.find({ sharedFileId }, { shakeId: 1 }).lean().exec();
    if (found.length > 0) await this.entries.deleteMany({ sharedFileId }).exec();
    return found.map((entry) => entry.shakeId);
  }

  /**
   * Across the given shakes, limit + 1 entries from the seek's position in the order read: newest first going
   * older, oldest first going newer (see pageFromRows).
   */
  page(shakeIds: Types.ObjectId[], seek: Seek): Promise<ShakeEntryDocument[]> {
    const shakeId = shakeIds.length === 1 ? shakeIds[0] : { $in: shakeIds };
    const { bound, sort } = idRange(seek);
    return this.entries
      .find({ shakeId, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  /**
   * Of the given entries, those whose source also sits in a newer entry of one of the shakes: the home timeline
   * shows each source once, at its newest place.
   */
  async supersededAmong(shakeIds: Types.ObjectId[], candidates: ShakeEntryDocument[]): Promise<Set<string>> {
    if (candidates.length === 0) return new Set();
    const oldest = candidates.reduce((min, entry) => (isNewer(min, entry._id) ? entry._id : min), candidates[0]._id);
    const newer = await this.lists.byValues(
      this.entries,
      'sourceId',
      candidates.map((entry) => entry.sourceId),
      { shakeId: { $in: shakeIds }, _id: { $gt: oldest } },
      { sourceId: 1 },
      { sort: { _id: -1 }, limit: DUPLICATE_PROBE_LIMIT },
    );
    const newestOf = new Map<string, Types.ObjectId>();
    for (const entry of newer) {
      const key = entry.sourceId.toHexString();
      const seen = newestOf.get(key);
      if (!seen || isNewer(entry._id, seen)) newestOf.set(key, entry._id);
    }
    return new Set(
      candidates
        .filter((entry) => {
          const newest = newestOf.get(entry.sourceId.toHexString());
          return newest !== undefined && isNewer(newest, entry._id);
        })
        .map((entry) => entry._id.toHexString()),
    );
  }

  countIn(shakeId: Types.ObjectId): Promise<number> {
    return this.entries.countDocuments({ shakeId }).exec();
  }

  /** File counts of several shakes at once; shakes without files are absent from the map. */
  async countInEach(shakeIds: Types.ObjectId[]): Promise<Map<string, number>> {
    return countBy(this.entries, 'shakeId', shakeIds);
  }

  async removeAllOf(shakeId: Types.ObjectId): Promise<number> {
    return (await this.entries.deleteMany({ shakeId }).exec()).deletedCount;
  }
}
