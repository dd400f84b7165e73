import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import type { CursorKind } from '../../common/pagination/cursor';
import { keysetPage, pageCursors, pageFromRows, type Seek, seekIn, type TwoWayPageRequest } from '../../common/pagination/seek';
import { InvalidInputError, NotFoundError } from '../../common/errors/domain-errors';
import type { SharedFileDocument } from '../../files/schemas/shared-file.schema';
import { PostsRepository } from '../../files/posts.repository';
import { normaliseTag } from '../../files/tags';
import { UsersService } from '../../users/users.service';
import { FollowsService } from '../../shakes/follows.service';
import { LikesService } from '../likes/likes.service';
import type { ShakeEntryDocument } from '../../shakes/schemas/shake-entry.schema';
import { ShakeEntriesService } from '../../shakes/shake-entries.service';
import { ShakesService } from '../../shakes/shakes.service';
import type { FilePageDto } from './dto/file-page.dto';

/** A page of a stream: the posts (FilePresenter.page makes its FilePageDto) and the cursors around them. */
export type PostPage = Omit<FilePageDto, 'items'> & { items: SharedFileDocument[] };
import { PopularService } from './popular.service';

/** How many reads of entries one home-timeline request makes at most while skipping repeated sources. */
const TIMELINE_MAX_ROUNDS = 5;
/**
 * Each read takes this many times the page size, so a page that skips a few repeated images is still filled by
 * one read (each read is two queries); what is not shown is left for the next page, the cursor marking the last
 * entry used.
 */
const TIMELINE_READ_FACTOR = 2;

/**
 * Whether NSFW files show: only for a signed-in user who opted in (PATCH /me); never for anonymous visitors.
 * Where they are hidden, a page can hold fewer files than asked (the cursors still move past them).
 */
export type ShowNsfw = boolean;

/**
 * Every file stream: a page of positions (entries, likes, posts) is read with a keyset query from a cursor in
 * either direction (see seek.ts), the posts behind them are loaded live (a deleted post never shows, even before
 * its entry is gone); FilePresenter.page maps them to their response, leaving out any post that is not visible. The cursors are always the positions of the first and last items
 * read, so a page deep in a stream costs what the first does.
 */
@Injectable()
export class StreamsService {
  constructor(
    private readonly entries: ShakeEntriesService,
    private readonly posts: PostsRepository,
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
    private readonly likes: LikesService,
    private readonly users: UsersService,
    private readonly popular: PopularService,
  ) {}

  async shakeFiles(name: string, page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('shake-files', page);
    const shake = await this.shakes.getByName(name);
    return this.pageOf('shake-files', seek, await this.entries.page([shake._id], seek), (entry) => entry.sharedFileId, showNsfw);
  }

  /**
   * Home: the shakes the user follows and their own user shake, read at request time (fan-out on read, see
   * docs/timelines.md). A source posted in several of them shows once, at its newest entry. That rule does not
   * depend on the direction read, so a page read upwards (`after`) holds the files the page above showed.
   */
  async timeline(userId: Types.ObjectId, page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('timeline', page);
    const own = await this.shakes.findUserShakeOf(userId);
    const shakeIds = [...(await this.follows.shakeIdsFollowedBy(userId)), ...(own ? [own._id] : [])];
    const shown: ShakeEntryDocument[] = [];
    let position = seek.from;
    let firstRead: Types.ObjectId | undefined;
    let exhausted = false;
    for (let round = 0; round < TIMELINE_MAX_ROUNDS && !exhausted && shown.length < seek.limit; round++) {
      const readLimit = seek.limit * TIMELINE_READ_FACTOR;
      const rows = await this.entries.page(shakeIds, { ...seek, from: position, limit: readLimit });
      const read = rows.slice(0, readLimit);
      exhausted = rows.length <= readLimit;
      const repeated = await this.entries.supersededAmong(shakeIds, read);
      for (const entry of read) {
        if (shown.length === seek.limit) {
          exhausted = false; // the rest of this read is left for the next page
          break;
        }
        position = entry._id;
        firstRead ??= entry._id;
        if (!repeated.has(entry._id.toHexString())) shown.push(entry);
      }
    }
    // Read in the seek's order: the first position read is the newest going older, the oldest going newer.
    const older = seek.direction === 'older';
    if (!older) shown.reverse();
    const [newest, oldest] = older ? [firstRead, firstRead && position] : [firstRead && position, firstRead];
    const posts = await this.posts.findLiveInOrder(
      shown.map((entry) => entry.sharedFileId),
      showNsfw,
    );
    return { items: posts, ...pageCursors('timeline', seek, newest, oldest, !exhausted) };
  }

  async incoming(page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('incoming', page);
    return this.pageOfPosts('incoming', seek, await this.posts.incoming(seek, showNsfw));
  }

  async magic(page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('magic', page);
    const rows = await this.posts.magic(seek, showNsfw);
    if (!rows)
      throw new InvalidInputError(
        `${page.after === undefined ? 'before' : 'after'} is not a cursor of this list: pass a value this list returned`,
      );
    return this.pageOfPosts('magic', seek, rows);
  }

  async tagged(text: string, page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('tags', page);
    const tag = normaliseTag(text);
    if (!tag) throw new NotFoundError('No such tag');
    return this.pageOfPosts('tags', seek, await this.posts.tagged(tag, seek, showNsfw));
  }

  async likedBy(username: string, page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('likes', page);
    const user = await this.users.getActiveByUsername(username);
    return this.pageOf('likes', seek, await this.likes.likesOf(user._id, seek), (like) => like.sharedFileId, showNsfw);
  }

  /** The ranking itself leaves NSFW files out; one marked since the snapshot is hidden here unless shown. */
  async popularFiles(page: TwoWayPageRequest, showNsfw: ShowNsfw): Promise<PostPage> {
    const seek = seekIn('popular', page);
    return this.pageOf('popular', seek, await this.popular.page(seek), (entry) => entry.sharedFileId, showNsfw);
  }

  /** A page of positions that point at posts: the cursors are the first and last positions, shown or not. */
  private async pageOf<T extends { _id: Types.ObjectId }>(
    kind: CursorKind,
    seek: Seek,
    rows: T[],
    postOf: (position: T) => Types.ObjectId,
    showNsfw: ShowNsfw,
  ): Promise<PostPage> {
    const { items: positions, more } = pageFromRows(rows, seek);
    const posts = await this.posts.findLiveInOrder(positions.map(postOf), showNsfw);
    return { items: posts, ...pageCursors(kind, seek, positions[0]?._id, positions.at(-1)?._id, more) };
  }

  /** A page of the posts themselves (they are their own positions). */
  private async pageOfPosts(kind: CursorKind, seek: Seek, rows: SharedFileDocument[]): Promise<PostPage> {
    const { items, ...cursors } = keysetPage(kind, seek, rows);
    return { items, ...cursors };
  }
}
