import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { FileDto } from './dto/file.dto';
import { PostsRepository } from './posts.repository';
import { PostViewsService } from './post-views.service';
import type { SharedFileDocument } from './schemas/shared-file.schema';
import { VisiblePostsService } from './visible-posts.service';

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * Turns posts into FileDtos, resolving their sources, owners and shakes in one batched query each (VisiblePostsService),
 * so a page of 100 files costs three queries, not three hundred (copies carry the key they were saved from).
 */
@Injectable()
export class FilePresenter {
  constructor(
    private readonly visible: VisiblePostsService,
    private readonly posts: PostsRepository,
    private readonly postViews: PostViewsService,
  ) {}

  /** In the given order; a post that is not visible (post-visibility.ts) is left out. */
  async many(posts: SharedFileDocument[]): Promise<FileDto[]> {
    if (posts.length === 0) return [];
    // Copies carry the key they were saved from; only those made before savedFromKey existed need a lookup.
    const parentIds = posts.flatMap((post) => (post.parentId && !post.savedFromKey ? [post.parentId] : []));
    const [shown, keyById, views] = await Promise.all([this.visible.of(posts), this.posts.keysByIds(parentIds), this.postViews.of(posts)]);
    return shown.map(({ post, source, owner, shake }) => {
      const savedFrom = post.parentId ? (post.savedFromKey ?? keyById.get(hex(post.parentId)) ?? null) : null;
      return FileDto.from(post, source, owner, shake, savedFrom, views.get(hex(post._id)));
    });
  }

  async one(post: SharedFileDocument): Promise<FileDto | null> {
    const [dto] = await this.many([post]);
    return dto ?? null;
  }
}
