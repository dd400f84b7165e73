import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { isVisiblePost, LIVE_POSTS } from '../../files/post-visibility';
import { SharedFile } from '../../files/schemas/shared-file.schema';
import { SourceFile } from '../../files/schemas/source-file.schema';
import { Shake, ShakeType } from '../../shakes/schemas/shake.schema';
import { User } from '../../users/schemas/user.schema';
import type { FileHit, SearchDocument, ShakeHit, UserHit } from '../search-document';
import type { SearchKind } from '../search-kinds';
import { fileUrlsOf } from '../../files/dto/file.dto';

type Lean<T> = T & { _id: Types.ObjectId };

/**
 * Reads what is searchable from the features' collections, read-only and by _id (plus the walks of a rebuild),
 * and turns it into SearchDocuments. It lives here rather than in each feature's service so that indexing
 * asks nothing of those services; it is the only search code that knows their schemas.
 */
@Injectable()
export class SearchSources {
  constructor(
    @InjectModel(SharedFile.name) private readonly posts: Model<SharedFile>,
    @InjectModel(SourceFile.name) private readonly storedFiles: Model<SourceFile>,
    @InjectModel(Shake.name) private readonly shakes: Model<Shake>,
    @InjectModel(User.name) private readonly users: Model<User>,
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
    const shake = await this.shakes
      .findOne({ ownerId: new Types.ObjectId(userId), type: ShakeType.User }, { _id: 1 })
      .lean()
      .exec();
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
    type Id = { _id: Types.ObjectId };
    for await (const shake of this.shakes.find({ ownerId, type: ShakeType.Group }, { _id: 1 }).lean<Id[]>().cursor()) {
      yield { kind: 'shake', id: shake._id.toString() };
    }
    for await (const post of this.posts
      .find({ userId: ownerId, ...LIVE_POSTS }, { _id: 1 })
      .lean<Id[]>()
      .cursor({ batchSize: 500 })) {
      yield { kind: 'file', id: post._id.toString() };
    }
  }

  /** About how many a walk will visit (for progress). */
  estimate(kind: SearchKind): Promise<number> {
    const model = { file: this.posts, shake: this.shakes, user: this.users }[kind] as Model<unknown>;
    return model.estimatedDocumentCount().exec();
  }

  private idsOf(kind: SearchKind, batchSize: number): AsyncIterable<{ _id: Types.ObjectId }> {
    type Id = { _id: Types.ObjectId };
    switch (kind) {
      case 'file':
        return this.posts.find(LIVE_POSTS, { _id: 1 }).sort({ _id: 1 }).lean<Id[]>().cursor({ batchSize });
      case 'shake':
        return this.shakes.find({}, { _id: 1 }).sort({ _id: 1 }).lean<Id[]>().cursor({ batchSize });
      case 'user':
        return this.users.find({}, { _id: 1 }).sort({ _id: 1 }).lean<Id[]>().cursor({ batchSize });
    }
  }

  private async buildFile(_id: Types.ObjectId): Promise<SearchDocument | null> {
    const post = await this.posts
      .findOne({ _id, ...LIVE_POSTS })
      .lean<Lean<SharedFile>>()
      .exec();
    if (!post) return null;
    const [stored, owner, shake] = await Promise.all([
      this.storedFiles.findById(post.sourceId).lean<Lean<SourceFile>>().exec(),
      this.users.findById(post.userId).lean<Lean<User>>().exec(),
      this.shakes.findById(post.shakeId).lean<Lean<Shake>>().exec(),
    ]);
    if (!stored || !owner || !shake || !isVisiblePost(post, { source: stored, shake, owner })) return null;
    const tags = post.tags;
    const urls = fileUrlsOf(post.key);
    const hit: FileHit = {
      key: post.key,
      title: post.title,
      description: post.description,
      altText: post.altText,
      tags,
      owner: { username: owner.username },
      shake: shake.name,
      contentType: stored.contentType,
      width: stored.width,
      height: stored.height,
      frames: stored.frames,
      likes: post.counts?.likes ?? 0,
      nsfw: stored.nsfw,
      urls,
      createdAt: post.createdAt.toISOString(),
    };
    return {
      kind: 'file',
      id: _id.toString(),
      texts: [post.title, tags.join(' '), post.altText, owner.username, shake.name, post.description],
      filters: { from: owner.usernameLower, in: [shake.nameLower] },
      original: post.originalId === null || post.originalId === undefined,
      nsfw: stored.nsfw,
      sourceId: stored._id.toString(),
      popularity: post.counts?.likes ?? 0,
      createdAt: post.createdAt,
      hit,
    };
  }

  private async buildShake(_id: Types.ObjectId): Promise<SearchDocument | null> {
    const shake = await this.shakes.findById(_id).lean<Lean<Shake>>().exec();
    if (!shake) return null;
    const owner = await this.users.findById(shake.ownerId).lean<Lean<User>>().exec();
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
    const user = await this.users.findById(_id).lean<Lean<User>>().exec();
    if (!user || user.disabled) return null;
    const shake = await this.shakes.findOne({ ownerId: _id, type: ShakeType.User }).lean<Lean<Shake>>().exec();
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
