import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { settleCount } from '../common/counters/settle-count';
import { PostCacheService } from '../files/post-cache.service';
import { PostCountsService } from '../files/post-counts.service';
import { PostsRepository } from '../files/posts.repository';
import type { DerivedCounter } from '../files/schemas/shared-file.schema';
import { CommentsService } from './comments/comments.service';
import { LikesService } from './likes/likes.service';

const RECOUNT_BATCH = 500;

export interface FileRecountResult {
  files: number;
  corrected: number;
}

/**
 * A post's likes, saves and comments, always counted from the facts (likes, saved posts, comments) and stored
 * with the time they were counted, never incremented: a job that runs twice, or late, writes the same number.
 */
@Injectable()
export class FileCountersService {
  constructor(
    private readonly likes: LikesService,
    private readonly comments: CommentsService,
    private readonly posts: PostsRepository,
    private readonly counts: PostCountsService,
    private readonly postCache: PostCacheService,
  ) {}

  /** Returns the count, and whether the post became a magic file now. */
  async recountLikesOf(sharedFileId: Types.ObjectId): Promise<{ likes: number; becameMagic: boolean }> {
    const likes = await this.settleCount(sharedFileId, 'likes', () => this.likes.countOf(sharedFileId));
    const becameMagic = await this.counts.markMagicIfDue(sharedFileId, likes);
    await this.refreshCachesOf(sharedFileId);
    return { likes, becameMagic };
  }

  async recountSavesOf(sharedFileId: Types.ObjectId): Promise<number> {
    const post = await this.posts.findById(sharedFileId);
    if (!post) return 0;
    return this.settle(sharedFileId, 'saves', () => this.counts.countSavesOf(post));
  }

  recountCommentsOf(sharedFileId: Types.ObjectId): Promise<number> {
    return this.settle(sharedFileId, 'comments', () => this.comments.countOf(sharedFileId));
  }

  private async settle(id: Types.ObjectId, counter: DerivedCounter, count: () => Promise<number>): Promise<number> {
    const value = await this.settleCount(id, counter, count);
    await this.refreshCachesOf(id);
    return value;
  }

  /** Cached pages show the counters: they are fresh once the count is stored. */
  private async refreshCachesOf(id: Types.ObjectId): Promise<void> {
    const post = await this.posts.findById(id);
    if (post) await this.postCache.changed(post);
  }

  private async settleCount(id: Types.ObjectId, counter: DerivedCounter, count: () => Promise<number>): Promise<number> {
    const value = await this.settleOne(id, counter, count);
    await this.settleOthers(id, counter);
    return value;
  }

  private settleOne(id: Types.ObjectId, counter: DerivedCounter, count: () => Promise<number>): Promise<number> {
    return settleCount({
      count,
      store: (value, countedAt) => this.counts.store(id, counter, value, countedAt),
      stored: async () => (await this.posts.findById(id))?.counts[counter] ?? null,
    });
  }

  /**
   * FerretDB 1.x writes the whole document back on an update, so a job settling another counter of the same post
   * at the same time (a like and a comment, as after an outage) can put back that counter's old value once it was
   * checked. The job whose write landed last runs this after it, and repairs what it overwrote.
   */
  private async settleOthers(id: Types.ObjectId, settled: DerivedCounter): Promise<void> {
    const post = await this.posts.findById(id);
    if (!post) return;
    const facts: Record<DerivedCounter, () => Promise<number>> = {
      likes: () => this.likes.countOf(id),
      saves: () => this.counts.countSavesOf(post),
      comments: () => this.comments.countOf(id),
    };
    for (const other of (['likes', 'saves', 'comments'] as const).filter((counter) => counter !== settled)) {
      if ((await facts[other]()) !== post.counts[other]) await this.settleOne(id, other, facts[other]);
    }
  }

  /** Every post, in batches by _id; writes only the counts that are wrong (and marks magic files it finds). */
  async recountAll(onBatch?: (progress: FileRecountResult) => Promise<void>): Promise<FileRecountResult> {
    const result: FileRecountResult = { files: 0, corrected: 0 };
    let after: Types.ObjectId | null = null;
    for (;;) {
      const batch = await this.counts.pageForRecount(after, RECOUNT_BATCH);
      if (batch.length === 0) return result;
      const countedAt = new Date();
      const ids = batch.map((post) => post._id);
      const [likes, saves, comments] = await Promise.all([
        this.likes.countOfEach(ids),
        this.counts.countSavesOfEach(batch),
        this.comments.countOfEach(ids),
      ]);
      const actual: Record<DerivedCounter, Map<string, number>> = { likes, saves, comments };
      for (const post of batch) {
        let changed = false;
        for (const counter of ['likes', 'saves', 'comments'] as const) {
          const count = actual[counter].get(post._id.toHexString()) ?? 0;
          if (count !== post.counts[counter] && (await this.counts.store(post._id, counter, count, countedAt))) {
            result.corrected += 1;
            changed = true;
          }
        }
        if (!post.originalId && (await this.counts.markMagicIfDue(post._id, likes.get(post._id.toHexString()) ?? 0))) changed = true;
        if (changed) await this.refreshCachesOf(post._id);
      }
      result.files += batch.length;
      after = batch[batch.length - 1]._id;
      await onBatch?.(result);
    }
  }
}
