import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { FileDto } from './dto/file.dto';
import { PostsRepository } from './posts.repository';
import { PostViewsService } from './post-views.service';
import type { SharedFileDocument } from './schemas/shared-file.schema';
import type { SourceFile } from './schemas/source-file.schema';
import { VisiblePostsService } from './visible-posts.service';

const hex = (id: Types.ObjectId) => id.toHexString();

/** A post known to be visible, with the neighbours a FileDto shows. */
export interface ShownPost {
  post: SharedFileDocument;
  source: SourceFile;
  owner: { username: string };
  shake: { name: string };
}

/**
 * Turns posts into FileDtos, resolving their sources, owners and shakes in one batched query each (VisiblePostsService),
 * so a page of 100 files costs three queries, not three hundred (copies carry the key they were saved from), plus
 * one for their views. Services return documents; this is where a post becomes its response.
 */
@Injectable()
export class FilePresenter {
  constructor(
    private readonly visible: VisiblePostsService,
    private readonly posts: PostsRepository,
    private readonly postViews: PostViewsService,
  ) {}

  /**
   * In the given order; a post that is not visible (post-visibility.ts) is left out, and so is one whose source is
   * NSFW where NSFW files are hidden (`showNsfw` false). The lists filter on the posts' own flag, but an NSFW mark
   * writes the source before its posts: a list read between the two would show a post saying `nsfw: true` (the
   * flag shown is the source's) to a caller who did not opt in.
   */
  async many(posts: SharedFileDocument[], showNsfw = true): Promise<FileDto[]> {
    const shown = await this.visible.of(posts);
    return this.shown(showNsfw ? shown : shown.filter(({ source }) => !source.nsfw));
  }

  async one(post: SharedFileDocument): Promise<FileDto | null> {
    const [dto] = await this.many([post]);
    return dto ?? null;
  }

  /** A page of posts (a stream's) as its response: the same page with FileDtos, invisible posts left out (see many). */
  async page<P extends { items: SharedFileDocument[] }>(page: P, showNsfw = true): Promise<Omit<P, 'items'> & { items: FileDto[] }> {
    return { ...page, items: await this.many(page.items, showNsfw) };
  }

  /** Posts whose visibility and neighbours the caller has already resolved (PostsService.getVisible, an upload). */
  async shown(shown: ShownPost[]): Promise<FileDto[]> {
    if (shown.length === 0) return [];
    // Copies carry the key they were saved from; only those made before savedFromKey existed need a lookup.
    const parentIds = shown.flatMap(({ post }) => (post.parentId && !post.savedFromKey ? [post.parentId] : []));
    const [keyById, views] = await Promise.all([this.posts.keysByIds(parentIds), this.postViews.of(shown.map(({ post }) => post))]);
    return shown.map(({ post, source, owner, shake }) => {
      const savedFrom = post.parentId ? (post.savedFromKey ?? keyById.get(hex(post.parentId)) ?? null) : null;
      return FileDto.from(post, source, owner, shake, savedFrom, views.get(hex(post._id)));
    });
  }

  async oneShown(shown: ShownPost): Promise<FileDto> {
    return (await this.shown([shown]))[0];
  }
}
