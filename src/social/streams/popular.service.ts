import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { InvalidInputError } from '../../common/errors/domain-errors';
import type { Seek } from '../../common/pagination/seek';
import { PostsRepository } from '../../files/posts.repository';
import { popularScore } from './popular-score';
import { PopularEntry, type PopularEntryDocument, PopularSnapshot } from './schemas/popular.schema';

/** Originals younger than this compete. */
export const POPULAR_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
/** The newest originals with likes scored per snapshot, and the ranks kept. */
const MAX_CANDIDATES = 5000;
const MAX_RANKED = 500;
/** Snapshots taken longer ago are dropped (never the newest two), so a client walking one can finish its walk. */
export const POPULAR_SNAPSHOT_TTL_MS = 60 * 60 * 1000;

/**
 * The popular stream. Its score decays with time, so a live ranking shifts between two page requests and a
 * keyset on the score would skip or repeat files. A job therefore ranks recent originals into a snapshot, and
 * pages walk one snapshot by rank: the cursor names an entry, which names its snapshot and rank.
 */
@Injectable()
export class PopularService {
  constructor(
    @InjectModel(PopularSnapshot.name) private readonly snapshots: Model<PopularSnapshot>,
    @InjectModel(PopularEntry.name) private readonly entries: Model<PopularEntry>,
    private readonly posts: PostsRepository,
  ) {}

  /** Job: ranks the candidates into a new snapshot, then drops old snapshots (see POPULAR_SNAPSHOT_TTL_MS). */
  async takeSnapshot(now = new Date()): Promise<{ snapshotId: Types.ObjectId; size: number }> {
    const since = Types.ObjectId.createFromTime(Math.floor((now.getTime() - POPULAR_WINDOW_MS) / 1000));
    const ranked = (await this.posts.popularCandidates(since, MAX_CANDIDATES))
      .map((post) => ({ post, score: popularScore(post.likes, post.createdAt, now) }))
      .sort((a, b) => b.score - a.score || (b.post._id.toHexString() > a.post._id.toHexString() ? 1 : -1))
      .slice(0, MAX_RANKED);
    const snapshotId = new Types.ObjectId();
    if (ranked.length > 0) {
      await this.entries.insertMany(
        ranked.map(({ post, score }, index) => ({ snapshotId, rank: index + 1, sharedFileId: post._id, score })),
      );
    }
    await this.snapshots.create({ _id: snapshotId, takenAt: now, size: ranked.length });
    await this.dropOlderThan(new Date(now.getTime() - POPULAR_SNAPSHOT_TTL_MS), snapshotId);
    return { snapshotId, size: ranked.length };
  }

  /**
   * limit + 1 entries of the newest snapshot, or of the cursor's: by rank going down the ranking (`before`), by
   * rank backwards from the cursor going up (`after`, the previous page; a snapshot never changes, so nothing
   * new arrives there: new rankings are new snapshots, read from the first page).
   */
  async page(seek: Seek): Promise<PopularEntryDocument[]> {
    let filter: Record<string, unknown>;
    const up = seek.direction === 'newer';
    if (seek.from) {
      const at = await this.entries.findById(seek.from, { snapshotId: 1, rank: 1 }).lean().exec();
      if (!at) throw new InvalidInputError('This page of popular files has expired: start again from the first page');
      filter = { snapshotId: at.snapshotId, rank: { [up ? '$lt' : '$gt']: at.rank } };
    } else {
      const newest = await this.snapshots.findOne({}, { _id: 1 }).sort({ _id: -1 }).lean().exec();
      if (!newest) return [];
      filter = { snapshotId: newest._id };
    }
    return this.entries
      .find(filter)
      .sort({ rank: up ? -1 : 1 })
      .limit(seek.limit + 1)
      .exec();
  }

  private async dropOlderThan(cutoff: Date, keep: Types.ObjectId): Promise<void> {
    const old = await this.snapshots
      .find({ takenAt: { $lt: cutoff }, _id: { $ne: keep } }, { _id: 1 })
      .lean()
      .exec();
    const previous = await this.snapshots
      .findOne({ _id: { $lt: keep } }, { _id: 1 })
      .sort({ _id: -1 })
      .lean()
      .exec();
    const ids = old.map((snapshot) => snapshot._id).filter((id) => !previous || !id.equals(previous._id));
    if (ids.length === 0) return;
    await this.entries.deleteMany({ snapshotId: { $in: ids } }).exec();
    await this.snapshots.deleteMany({ _id: { $in: ids } }).exec();
  }
}
