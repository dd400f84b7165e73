import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { type CursorKind, decodeCursor, encodeCursor } from '../../common/pagination/cursor';
import { toPage } from '../../common/pagination/to-page';
import { InvalidInputError, NotFoundError } from '../../common/errors/domain-errors';
import { FileViews } from '../../files/file-views';
import { PostQueries } from '../../files/post-queries.service';
import { normaliseTag } from '../../files/tags';
import { UsersService } from '../../users/users.service';
import { FollowsService } from '../follows.service';
import { LikesService } from '../likes/likes.service';
import type { ShakeEntryDocument } from '../schemas/shake-entry.schema';
import { ShakeEntriesService } from '../shake-entries.service';
import { ShakesService } from '../shakes.service';
import type { FilePageDto } from './dto/file-page.dto';
import { PopularService } from './popular.service';

/** How many pages of entries one home-timeline request reads at most while skipping repeated sources. */
const TIMELINE_MAX_ROUNDS = 5;

export interface PageRequest {
  before?: string;
  limit: number;
}

/**
 * Every file stream: a page of positions (entries, likes, posts) is read with a keyset query, the posts behind
 * them are loaded live (a deleted post never shows, even before its entry is gone), and mapped by FileViews.
 * The cursor is always the position of the last item read, so a page deep in a stream costs what the first does.
 */
@Injectable()
export class StreamsService {
  constructor(
    private readonly entries: ShakeEntriesService,
    private readonly posts: PostQueries,
    private readonly views: FileViews,
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
    private readonly likes: LikesService,
    private readonly users: UsersService,
    private readonly popular: PopularService,
  ) {}

  async shakeFiles(name: string, page: PageRequest): Promise<FilePageDto> {
    const before = this.positionIn('shake-files', page);
    const shake = await this.shakes.getByName(name);
    const { items, hasMore } = toPage(await this.entries.page([shake._id], before, page.limit), page.limit);
    return this.pageOf('shake-files', items, (entry) => entry.sharedFileId, hasMore);
  }

  /**
   * Home: the shakes the user follows and their own user shake, read at request time (fan-out on read, see
   * docs/timelines.md). A source posted in several of them shows once, at its newest entry.
   */
  async timeline(userId: Types.ObjectId, page: PageRequest): Promise<FilePageDto> {
    let cursor = this.positionIn('timeline', page);
    const own = await this.shakes.findUserShakeOf(userId);
    const shakeIds = [...(await this.follows.shakeIdsFollowedBy(userId)), ...(own ? [own._id] : [])];
    const shown: ShakeEntryDocument[] = [];
    let exhausted = false;
    for (let round = 0; round < TIMELINE_MAX_ROUNDS && !exhausted && shown.length < page.limit; round++) {
      const rows = await this.entries.page(shakeIds, cursor, page.limit);
      const read = rows.slice(0, page.limit);
      exhausted = rows.length <= page.limit;
      const repeated = await this.entries.supersededAmong(shakeIds, read);
      for (const entry of read) {
        if (shown.length === page.limit) {
          exhausted = false; // the rest of this read is left for the next page
          break;
        }
        cursor = entry._id;
        if (!repeated.has(entry._id.toHexString())) shown.push(entry);
      }
    }
    const posts = await this.posts.findLiveInOrder(shown.map((entry) => entry.sharedFileId));
    return { items: await this.views.many(posts), next: !exhausted && cursor ? encodeCursor('timeline', cursor) : null };
  }

  async incoming(page: PageRequest): Promise<FilePageDto> {
    const { items, hasMore } = toPage(await this.posts.incoming(this.positionIn('incoming', page), page.limit), page.limit);
    return { items: await this.views.many(items), next: hasMore ? encodeCursor('incoming', items[items.length - 1]._id) : null };
  }

  async magic(page: PageRequest): Promise<FilePageDto> {
    const rows = await this.posts.magic(this.positionIn('magic', page), page.limit);
    if (!rows) throw new InvalidInputError('before is not a cursor of this list: pass a value this list returned');
    const { items, hasMore } = toPage(rows, page.limit);
    return { items: await this.views.many(items), next: hasMore ? encodeCursor('magic', items[items.length - 1]._id) : null };
  }

  async tagged(text: string, page: PageRequest): Promise<FilePageDto> {
    const before = this.positionIn('tags', page);
    const tag = normaliseTag(text);
    if (!tag) throw new NotFoundError('No such tag');
    const { items, hasMore } = toPage(await this.posts.tagged(tag, before, page.limit), page.limit);
    return { items: await this.views.many(items), next: hasMore ? encodeCursor('tags', items[items.length - 1]._id) : null };
  }

  async likedBy(username: string, page: PageRequest): Promise<FilePageDto> {
    const before = this.positionIn('likes', page);
    const user = await this.users.getActiveByUsername(username);
    const { items, hasMore } = toPage(await this.likes.likesOf(user._id, before, page.limit), page.limit);
    return this.pageOf('likes', items, (like) => like.sharedFileId, hasMore);
  }

  async popularFiles(page: PageRequest): Promise<FilePageDto> {
    const { items, hasMore } = toPage(await this.popular.page(this.positionIn('popular', page), page.limit), page.limit);
    return this.pageOf('popular', items, (entry) => entry.sharedFileId, hasMore);
  }

  private positionIn(kind: CursorKind, page: PageRequest): Types.ObjectId | undefined {
    return page.before === undefined ? undefined : decodeCursor(kind, page.before);
  }

  /** A page of positions that point at posts: the cursor is the last position, shown or not. */
  private async pageOf<T extends { _id: Types.ObjectId }>(
    kind: CursorKind,
    positions: T[],
    postOf: (position: T) => Types.ObjectId,
    hasMore: boolean,
  ): Promise<FilePageDto> {
    const posts = await this.posts.findLiveInOrder(positions.map(postOf));
    return {
      items: await this.views.many(posts),
      next: hasMore ? encodeCursor(kind, positions[positions.length - 1]._id) : null,
    };
  }
}
