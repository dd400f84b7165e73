import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import type { ShakeDocument } from '../shakes/schemas/shake.schema';
import { ShakesService } from '../shakes/shakes.service';
import { type PostOwner, UsersService } from '../users/users.service';
import { isVisiblePost } from './post-visibility';
import type { SharedFile } from './schemas/shared-file.schema';
import type { SourceFileDocument } from './schemas/source-file.schema';
import { SourceFilesService } from './source-files.service';

/** What a post is read with to decide whether it is visible, and to show it. */
type PostRow = Pick<SharedFile, 'sourceId' | 'userId' | 'shakeId' | 'deletedAt'>;

/** A visible post with the neighbours that made it so. */
export interface VisiblePost<P extends PostRow> {
  post: P;
  source: SourceFileDocument;
  owner: PostOwner;
  shake: ShakeDocument;
}

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * The one place that reads a post's neighbours (its stored bytes, owner and shake) and applies the rule of
 * post-visibility.ts: the routes on one post (PostsService.getLive), every stream and page of posts (FilePresenter)
 * and search (SearchablePostsService) ask here. One query per neighbour for any number of posts; one by _id each for
 * a single post (the cheapest lookup on FerretDB).
 */
@Injectable()
export class VisiblePostsService {
  constructor(
    private readonly sources: SourceFilesService,
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
  ) {}

  /** The visible ones among these posts with their neighbours, in the order given. */
  async of<P extends PostRow>(posts: P[]): Promise<VisiblePost<P>[]> {
    if (posts.length === 0) return [];
    const [sources, owners, shakes] = posts.length === 1 ? await this.neighboursOfOne(posts[0]) : await this.neighboursOfMany(posts);
    return posts.flatMap((post) => {
      const source = sources.get(hex(post.sourceId));
      const owner = owners.get(hex(post.userId));
      const shake = shakes.get(hex(post.shakeId));
      return isVisiblePost(post, { source, shake, owner }) ? [{ post, source: source!, owner: owner!, shake: shake! }] : [];
    });
  }

  /** The post with its neighbours if it is visible, else null. */
  async one<P extends PostRow>(post: P | null): Promise<VisiblePost<P> | null> {
    return post ? ((await this.of([post]))[0] ?? null) : null;
  }

  private async neighboursOfOne(post: PostRow) {
    const [source, owner, shake] = await Promise.all([
      this.sources.findById(post.sourceId),
      this.users.findById(post.userId),
      this.shakes.findById(post.shakeId),
    ]);
    return [
      new Map(source ? [[hex(source._id), source]] : []),
      new Map<string, PostOwner>(owner ? [[hex(owner._id), owner]] : []),
      new Map(shake ? [[hex(shake._id), shake]] : []),
    ] as const;
  }

  private async neighboursOfMany(posts: PostRow[]) {
    const [sources, owners, shakes] = await Promise.all([
      this.sources.findByIds(posts.map((post) => post.sourceId)),
      this.users.ownersByIds(posts.map((post) => post.userId)),
      this.shakes.findByIds(posts.map((post) => post.shakeId)),
    ]);
    return [
      new Map(sources.map((source) => [hex(source._id), source])),
      owners,
      new Map(shakes.map((shake) => [hex(shake._id), shake])),
    ] as const;
  }
}
