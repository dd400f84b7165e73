import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { type PostCountsRow, PostsRepository } from './posts.repository';
import type { DerivedCounter } from './schemas/shared-file.schema';

/** An original with this many likes becomes a magic file (MLKSHK's number). */
export const MAGIC_LIKES = 10;

/**
 * The rules of the derived counters of posts (likes, saves, comments) and the magic mark, written only by jobs from
 * counts of the facts, and the save counts themselves (saves are posts); the queries are PostsRepository's.
 */
@Injectable()
export class PostCountsService {
  constructor(private readonly posts: PostsRepository) {}

  /** An original counts every live save down its chain; a copy counts its direct live saves. */
  countSavesOf(post: { _id: Types.ObjectId; originalId: Types.ObjectId | null }): Promise<number> {
    return this.posts.countLive(post.originalId ? { parentId: post._id } : { originalId: post._id });
  }

  /** Save counts of several posts at once (absent: none), by the rule of countSavesOf. */
  async countSavesOfEach(posts: PostCountsRow[]): Promise<Map<string, number>> {
    const originals = posts.filter((post) => !post.originalId).map((post) => post._id);
    const copies = posts.filter((post) => post.originalId).map((post) => post._id);
    return new Map([...(await this.posts.countLiveBy('originalId', originals)), ...(await this.posts.countLiveBy('parentId', copies))]);
  }

  /** Stores a count taken at countedAt unless a later count is stored already. Returns whether it was written. */
  store(id: Types.ObjectId, counter: DerivedCounter, count: number, countedAt: Date): Promise<boolean> {
    return this.posts.storeCount(id, counter, count, countedAt);
  }

  /** Marks an original with enough likes as magic, once. Returns whether it became magic now. */
  async markMagicIfDue(id: Types.ObjectId, likes: number): Promise<boolean> {
    return likes >= MAGIC_LIKES && this.posts.markMagic(id);
  }

  /** A page of posts (deleted ones too: their counters are still shown nowhere, but stay true) in _id order. */
  pageForRecount(after: Types.ObjectId | null, size: number): Promise<PostCountsRow[]> {
    return this.posts.pageForRecount(after, size);
  }
}
