import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type Types } from 'mongoose';
import type { AuthUser } from '../common/auth/auth-user';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import { JobProducer } from '../jobs/job-producer';
import type { PostJob } from '../jobs/queues';
import type { ShakeDocument } from '../shakes/schemas/shake.schema';
import { ShakeEntriesService } from '../shakes/shake-entries.service';
import { SearchIndexer } from '../jobs/search-indexer';
import { ShakesService } from '../shakes/shakes.service';
import { UsersService } from '../users/users.service';
import { Role } from '../common/auth/role';
import { FileDto } from './dto/file.dto';
import type { UpdateFileDto } from './dto/update-file.dto';
import { FilePresenter } from './file.presenter';
import { saveKeyOf, SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';
import type { SourceFileDocument } from './schemas/source-file.schema';
import { newShareKey, SHARE_KEY_PATTERN } from './share-key';
import { SourceFilesService } from './source-files.service';
import { tagsOf } from './tags';
import { PostCacheService } from './post-cache.service';
import type { UploadFields } from './upload/upload-fields';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { isVisiblePost, LIVE_POSTS } from './post-visibility';
import { MediaInvalidations } from '../common/cache/media-invalidations.service';

/** The user already has a live save of that post (the unique saveKey said so). */
export class AlreadySavedError extends ConflictError {}

/** What a request decides about a new post; the rest (key, tags, nsfw, counters) follows from it. */
export interface NewPost {
  sourceId: Types.ObjectId;
  userId: Types.ObjectId;
  shakeId: Types.ObjectId;
  title: string;
  description: string;
  altText: string;
  nsfw: boolean;
  parentId?: Types.ObjectId;
  originalId?: Types.ObjectId;
  savedFromKey?: string;
  fileName?: string | null;
}

/** A live post with its stored bytes. */
export interface FileWithSource {
  file: SharedFileDocument;
  source: SourceFileDocument;
}

/**
 * The post lifecycle (shared files): make (an upload's original, a save's copy), read, edit, delete; the upload
 * pipeline that comes before an original is UploadsService. Writes of shared_files live here (indexes: key unique,
 * saveKey unique, userId, sourceId; the list queries are in PostQueriesService, the counters in PostCountsService). Every post is
 * made by insertPost and placed in its shake (a ShakeEntry) by place(), which also queues the posted job.
 */
@Injectable()
export class PostsService {
  constructor(
    @InjectModel(SharedFile.name) private readonly files: Model<SharedFile>,
    private readonly jobs: JobProducer,
    private readonly sources: SourceFilesService,
    private readonly shakes: ShakesService,
    private readonly users: UsersService,
    private readonly entries: ShakeEntriesService,
    private readonly presenter: FilePresenter,
    private readonly search: SearchIndexer,
    private readonly postCache: PostCacheService,
    private readonly media: MediaInvalidations,
  ) {}

  /**
   * The post of a new upload, whose source (its stored bytes) the upload pipeline has just acquired: placed in
   * its shake, or the source's reference given back if it cannot be. Then its variants (for new bytes), caches
   * and search follow.
   */
  async createOriginal(
    owner: AuthUser,
    shake: ShakeDocument,
    acquired: { source: SourceFileDocument; created: boolean },
    fields: UploadFields,
    fileName: string | null = null,
  ): Promise<FileDto> {
    const { source, created } = acquired;
    let file: SharedFileDocument;
    try {
      file = await this.insertPost({
        sourceId: source._id,
        userId: owner.id,
        shakeId: shake._id,
        title: fields.title ?? '',
        description: fields.description ?? '',
        altText: fields.altText ?? '',
        nsfw: source.nsfw,
        fileName,
      });
      await this.place(file);
    } catch (error) {
      await this.purge(await this.sources.release(source._id));
      throw error;
    }
    await this.postCache.changedIn(shake, file);
    if (created) await this.enqueueVariants(source);
    await this.search.enqueue('file', file._id);
    return FileDto.from(file, source, owner, shake);
  }

  /**
   * A new post of the parent's stored bytes by the saver, in the given shake, remembering the parent and the
   * original at the root of its chain. Throws AlreadySavedError when the saver has a live save of the parent
   * already: the post is inserted first, so the unique saveKey settles concurrent saves before any of them
   * touches the source's reference count. The reference taken then is given back if the post cannot be placed.
   */
  async createCopy(saverId: Types.ObjectId, parent: SharedFileDocument, shake: ShakeDocument): Promise<SharedFileDocument> {
    const file = await this.insertPost({
      sourceId: parent.sourceId,
      userId: saverId,
      shakeId: shake._id,
      title: parent.title,
      description: parent.description,
      altText: parent.altText,
      nsfw: parent.nsfw,
      parentId: parent._id,
      originalId: parent.originalId ?? parent._id,
      savedFromKey: parent.key,
    });
    const source = await this.sources.acquireExisting(parent.sourceId);
    if (!source) {
      await this.files.deleteOne({ _id: file._id }).exec();
      throw new NotFoundError('No such file');
    }
    try {
      if (source.nsfw && !file.nsfw) {
        await this.files.updateOne({ _id: file._id }, { $set: { nsfw: true } }).exec();
        file.nsfw = true;
      }
      await this.place(file);
    } catch (error) {
      await this.files.deleteOne({ _id: file._id }).exec();
      await this.purge(await this.sources.release(source._id));
      throw error;
    }
    await this.postCache.changed(file);
    return file;
  }

  /** The saver's live save of the parent, if any. */
  findSaveOf(saverId: Types.ObjectId, parentId: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findOne({ saveKey: saveKeyOf(saverId, parentId), deletedAt: null }).exec();
  }

  async describe(key: string): Promise<FileDto> {
    const { file } = await this.getLive(key);
    const dto = await this.presenter.one(file);
    if (!dto) throw new NotFoundError('No such file');
    return dto;
  }

  /** The post and its bytes, if the post is visible (post-visibility.ts): every route on one post asks here. */
  async getLive(key: string): Promise<FileWithSource> {
    if (!SHARE_KEY_PATTERN.test(key)) throw new NotFoundError('No such file');
    const file = await this.files.findOne({ key, ...LIVE_POSTS }).exec();
    const source = file ? await this.sourceIfVisible(file) : null;
    if (!file || !source) throw new NotFoundError('No such file');
    return { file, source };
  }

  /** The post by id if it is visible (post-visibility.ts), else null. */
  async findVisibleById(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    const file = await this.files.findOne({ _id: id, ...LIVE_POSTS }).exec();
    return file && (await this.sourceIfVisible(file)) ? file : null;
  }

  private async sourceIfVisible(file: SharedFileDocument): Promise<SourceFileDocument | null> {
    const [source, shake, owner] = await Promise.all([
      this.sources.findById(file.sourceId),
      this.shakes.findById(file.shakeId),
      this.users.findById(file.userId),
    ]);
    return source && isVisiblePost(file, { source, shake, owner }) ? source : null;
  }

  async update(user: AuthUser, key: string, changes: UpdateFileDto): Promise<FileDto> {
    const { file } = await this.getLive(key);
    this.assertMayChange(user, file, 'edit');
    const { nsfw, ...given } = changes;
    const words: Record<string, unknown> = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    if (given.description !== undefined) words.tags = tagsOf(given.description);
    if (Object.keys(words).length > 0) await this.files.updateOne({ _id: file._id }, { $set: words }).exec();
    if (nsfw) {
      await this.sources.markNsfw(file.sourceId);
      await this.files.updateMany({ sourceId: file.sourceId }, { $set: { nsfw: true } }).exec();
    }
    // Old and new tags: the post may have left a tag's stream.
    const shown = { ...file.toObject(), tags: [...file.tags, ...((words.tags as string[] | undefined) ?? [])] };
    const marked = nsfw ? await this.files.find({ sourceId: file.sourceId, deletedAt: null }).exec() : [];
    await this.postCache.changed(shown, ...marked);
    await this.media.publish(marked.map((post) => post.key));
    await this.search.enqueue('file', file._id);
    return this.describe(key);
  }

  async remove(user: AuthUser, key: string): Promise<void> {
    const { file } = await this.getLive(key);
    this.assertMayChange(user, file, 'delete');
    await this.takeDown(file);
  }

  /**
   * Deletes every post of a (deleted) shake as remove() deletes one. Idempotent and resumable: it visits the
   * posts whose reference is not released yet, deleted or not, so a run interrupted after deleting a post but
   * before queueing its release does that on the next run.
   */
  async takeDownPostsOf(shakeId: Types.ObjectId, batchSize = 100): Promise<number> {
    let takenDown = 0;
    let after: Types.ObjectId | undefined;
    for (;;) {
      const batch = await this.files
        .find({ shakeId, sourceReleased: false, ...(after ? { _id: { $gt: after } } : {}) })
        .sort({ _id: 1 })
        .limit(batchSize)
        .exec();
      for (const file of batch) await this.takeDown(file);
      takenDown += batch.length;
      if (batch.length < batchSize) return takenDown;
      after = batch[batch.length - 1]._id;
    }
  }

  /**
   * The one way a post is deleted (DELETE /files/:key, a deleted shake). Soft: gone from every listing at once
   * (the lists read live posts only, and its shake entry goes now); the stored bytes go later, in a job, if
   * nothing else uses them, and the post-removed job recounts what it counted in (its shake's files, the saves of
   * what it was saved from) and removes its entry again if this could not. Freeing the saveKey lets the user save
   * the parent again. Every step may run again for a post already taken down.
   */
  async takeDown(file: SharedFileDocument): Promise<void> {
    await this.files
      .updateOne({ _id: file._id, deletedAt: null }, { $set: { deletedAt: new Date(), saveKey: file._id.toHexString() } })
      .exec();
    const data: PostJob = { sharedFileId: file._id.toHexString() };
    await this.jobs.send('files/release', data);
    await this.jobs.send('social/post-removed', data);
    await this.media.publish([file.key]);
    await this.entries.removePost(file._id);
    await this.postCache.changed(file);
    await this.search.enqueue('file', file._id);
  }

  /** Job: gives a deleted post's reference back to its source, once, and purges bytes nothing refers to. */
  async releaseDeleted(sharedFileId: Types.ObjectId): Promise<void> {
    const file = await this.files
      .findOneAndUpdate({ _id: sharedFileId, deletedAt: { $ne: null }, sourceReleased: false }, { $set: { sourceReleased: true } })
      .exec();
    if (!file) return;
    // Published again from the job: a request that crashed after its database write is repaired by Bull's retries.
    await this.media.publish([file.key]);
    await this.purge(await this.sources.release(file.sourceId));
  }

  async addViews(sharedFileId: Types.ObjectId, views: number): Promise<void> {
    const file = await this.files.findOneAndUpdate({ _id: sharedFileId }, { $inc: { 'counts.views': views } }).exec();
    if (file) await this.postCache.changed(file);
  }

  private async purge(storageKeys: string[]): Promise<void> {
    if (storageKeys.length > 0) await this.jobs.send('files/purge', { storageKeys });
  }

  private async enqueueVariants(source: SourceFileDocument): Promise<void> {
    await this.jobs.send('files/variants', { sourceId: source._id.toHexString(), storageKey: source.storageKey });
  }

  private assertMayChange(user: AuthUser, file: SharedFile, action: 'edit' | 'delete'): void {
    const mayChange = file.userId.equals(user.id) || (action === 'delete' && user.role === Role.Admin);
    if (!mayChange) throw new ForbiddenError(`Only the owner may ${action} this file`);
  }

  /** Inserts a post under a fresh share key, trying again on the (rare) collision. */
  private async insertPost(post: NewPost): Promise<SharedFileDocument> {
    const saveKey = post.parentId ? saveKeyOf(post.userId, post.parentId) : undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.files.create({ ...post, ...(saveKey ? { saveKey } : {}), tags: tagsOf(post.description), key: newShareKey() });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // Not every MongoDB-compatible server names the index in the error, so ask whether it was the save.
        if (saveKey && (await this.files.exists({ saveKey }))) throw new AlreadySavedError('You saved this file already');
        if (attempt >= 4) throw error;
      }
    }
  }

  /**
   * Every new post goes through here: it is placed in its shake (a ShakeEntry) and the posted job is queued. If
   * it cannot be placed it is taken back, so no post exists that its shake does not show.
   */
  private async place(file: SharedFileDocument): Promise<void> {
    try {
      await this.entries.add({ shakeId: file.shakeId, sharedFileId: file._id, sourceId: file.sourceId, userId: file.userId });
    } catch (error) {
      await this.files.deleteOne({ _id: file._id }).exec();
      throw error;
    }
    await this.jobs.send('social/posted', { sharedFileId: file._id.toHexString() });
  }
}
