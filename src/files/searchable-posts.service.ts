import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { PostsRepository } from './posts.repository';
import { VisiblePostsService } from './visible-posts.service';

/** What search indexes of a visible post, with its owner, shake and stored bytes. */
export interface SearchablePost {
  id: string;
  key: string;
  title: string;
  description: string;
  altText: string;
  tags: string[];
  owner: { username: string; usernameLower: string };
  shake: { name: string; nameLower: string };
  contentType: string;
  width: number;
  height: number;
  frames: number;
  /** The stored bytes' one-way flag. */
  nsfw: boolean;
  sourceId: string;
  likes: number;
  /** An upload, not a save. */
  original: boolean;
  createdAt: Date;
}

/**
 * The files feature's port for search: the one way search reads posts, so it knows neither the schema of
 * shared_files nor what makes a post visible (VisiblePostsService decides, as for every route and stream).
 */
@Injectable()
export class SearchablePostsService {
  constructor(
    private readonly posts: PostsRepository,
    private readonly visible: VisiblePostsService,
  ) {}

  /** The post as search shows it, or null when it must not be searchable (gone, deleted, not visible). */
  async find(id: Types.ObjectId): Promise<SearchablePost | null> {
    const shown = await this.visible.one(await this.posts.findLiveById(id));
    if (!shown) return null;
    const { post, source, owner, shake } = shown;
    return {
      id: post._id.toHexString(),
      key: post.key,
      title: post.title,
      description: post.description,
      altText: post.altText,
      tags: post.tags,
      owner: { username: owner.username, usernameLower: owner.usernameLower },
      shake: { name: shake.name, nameLower: shake.nameLower },
      contentType: source.contentType,
      width: source.width,
      height: source.height,
      frames: source.frames,
      nsfw: source.nsfw,
      sourceId: source._id.toHexString(),
      likes: post.counts?.likes ?? 0,
      original: post.originalId === null || post.originalId === undefined,
      createdAt: post.createdAt,
    };
  }

  /** The ids of the posts that may be searchable (not deleted), oldest first; of one owner only if given. */
  async *ids(batchSize: number, ownerId?: Types.ObjectId): AsyncIterable<Types.ObjectId> {
    for await (const post of this.posts.liveIds(batchSize, ownerId)) yield post._id;
  }

  /** About how many posts a walk visits (a rebuild's progress). */
  estimatedCount(): Promise<number> {
    return this.posts.estimatedCount();
  }
}
