import { Injectable } from '@nestjs/common';
import { Types } from 'mongoose';
import { fileUrlsOf } from '../../files/dto/file.dto';
import { SearchablePostsService } from '../../files/searchable-posts.service';
import { ShakeType } from '../../shakes/schemas/shake.schema';
import { ShakesService } from '../../shakes/shakes.service';
import { UsersService } from '../../users/users.service';
import type { FileHit, SearchDocument, ShakeHit, UserHit } from '../search-document';
import type { SearchKind } from '../search-kinds';

/**
 * Reads what is searchable through the features' own services (files through its search port,
 * SearchablePostsService, which also decides what a visible post is) and turns it into SearchDocuments. It is the
 * only search code that knows what the features hold; none of their collections is read here directly.
 */
@Injectable()
export class SearchSources {
  constructor(
    private readonly posts: SearchablePostsService,
    private readonly shakes: ShakesService,
    private readonly users: UsersService,
  ) {}

  /** The document of one thing as it is now, or null when it must not be searchable (gone, deleted, disabled). */
  build(kind: SearchKind, id: string): Promise<SearchDocument | null> {
    if (!Types.ObjectId.isValid(id)) return Promise.resolve(null);
    const _id = new Types.ObjectId(id);
    switch (kind) {
      case 'file':
        return this.buildFile(_id);
      case 'shake':
        return this.buildShake(_id);
      case 'user':
        return this.buildUser(_id);
    }
  }

  /** The user shake of a user (every user has one, named after them). */
  async userShakeId(userId: string): Promise<string | null> {
    if (!Types.ObjectId.isValid(userId)) return null;
    const shake = await this.shakes.findUserShakeOf(new Types.ObjectId(userId));
    return shake ? shake._id.toString() : null;
  }

  /** Every id of a kind that may be searchable, oldest first, in batches (a rebuild's walk; one cursor per kind). */
  async *walk(kind: SearchKind, batchSize: number): AsyncIterable<string[]> {
    let batch: string[] = [];
    for await (const doc of this.idsOf(kind, batchSize)) {
      batch.push(doc._id.toString());
      if (batch.length >= batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** The group shakes and live posts a user owns (their user shake is indexed with them). */
  async *ownedBy(userId: string): AsyncIterable<{ kind: 'shake' | 'file'; id: string }> {
    if (!Types.ObjectId.isValid(userId)) return;
    const ownerId = new Types.ObjectId(userId);
    for (const shake of await this.shakes.ownedBy(ownerId)) {
      if (shake.type === ShakeType.Group) yield { kind: 'shake', id: shake._id.toString() };
    }
    for await (const id of this.posts.ids(500, ownerId)) yield { kind: 'file', id: id.toString() };
  }

  /** About how many a walk will visit (for progress). */
  estimate(kind: SearchKind): Promise<number> {
    return { file: this.posts, shake: this.shakes, user: this.users }[kind].estimatedCount();
  }

  private idsOf(kind: SearchKind, batchSize: number): AsyncIterable<{ _id: Types.ObjectId }> {
    switch (kind) {
      case 'file':
        return this.postIds(batchSize);
      case 'shake':
        return this.shakes.ids(batchSize);
      case 'user':
        return this.users.ids(batchSize);
    }
  }

  private async *postIds(batchSize: number): AsyncIterable<{ _id: Types.ObjectId }> {
    for await (const _id of this.posts.ids(batchSize)) yield { _id };
  }

  private async buildFile(_id: Types.ObjectId): Promise<SearchDocument | null> {
    const post = await this.posts.find(_id);
    if (!post) return null;
    const hit: FileHit = {
      key: post.key,
      title: post.title,
      description: post.description,
      altText: post.altText,
      tags: post.tags,
      owner: { username: post.owner.username },
      shake: post.shake.name,
      contentType: post.contentType,
      width: post.width,
      height: post.height,
      frames: post.frames,
      likes: post.likes,
      nsfw: post.nsfw,
      urls: fileUrlsOf(post.key),
      createdAt: post.createdAt.toISOString(),
    };
    return {
      kind: 'file',
      id: _id.toString(),
      texts: [post.title, post.tags.join(' '), post.altText, post.owner.username, post.shake.name, post.description],
      filters: { from: post.owner.usernameLower, in: [post.shake.nameLower] },
      original: post.original,
      nsfw: post.nsfw,
      sourceId: post.sourceId,
      popularity: post.likes,
      createdAt: post.createdAt,
      hit,
    };
  }

  private async buildShake(_id: Types.ObjectId): Promise<SearchDocument | null> {
    const shake = await this.shakes.findById(_id);
    if (!shake) return null;
    const owner = await this.users.findById(shake.ownerId);
    if (!owner || owner.disabled) return null;
    const hit: ShakeHit = {
      name: shake.name,
      title: shake.title,
      description: shake.description,
      type: shake.type,
      owner: { username: owner.username },
      followers: shake.followerCount,
      createdAt: shake.createdAt.toISOString(),
    };
    return {
      kind: 'shake',
      id: _id.toString(),
      texts: [shake.name, shake.title, shake.description],
      filters: { from: owner.usernameLower },
      original: true,
      nsfw: false,
      popularity: shake.followerCount,
      createdAt: shake.createdAt,
      hit,
    };
  }

  private async buildUser(_id: Types.ObjectId): Promise<SearchDocument | null> {
    const user = await this.users.findById(_id);
    if (!user || user.disabled) return null;
    const shake = await this.shakes.findUserShakeOf(_id);
    const hit: UserHit = { username: user.username, shake: user.username, createdAt: user.createdAt.toISOString() };
    return {
      kind: 'user',
      id: _id.toString(),
      texts: [user.username],
      filters: {},
      original: true,
      nsfw: false,
      popularity: shake?.followerCount ?? 0,
      createdAt: user.createdAt,
      hit,
    };
  }
}
