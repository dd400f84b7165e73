import { Injectable, Logger } from '@nestjs/common';
import type { Types } from 'mongoose';
import type { AuthUser } from '../common/auth/auth-user';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import { JobProducer } from '../jobs/job-producer';
import type { PostJob } from '../jobs/queues';
import type { ShakeDocument } from '../shakes/schemas/shake.schema';
import { ShakeEntriesService } from '../shakes/shake-entries.service';
import { SearchIndexer } from '../jobs/search-indexer';
import { Role } from '../common/auth/role';
import type { UpdateFileDto } from './dto/update-file.dto';
import type { ShownPost } from './file.presenter';
import { type NewPost, PostsRepository } from './posts.repository';
import { saveKeyOf, type SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';
import type { SourceFileDocument } from './schemas/source-file.schema';
import { newShareKey, SHARE_KEY_PATTERN } from './share-key';
import { SourceFilesService } from './source-files.service';
import { tagsOf } from './tags';
import { PostCacheService } from './post-cache.service';
import type { UploadFields } from './upload/upload-fields';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { type VisiblePost, VisiblePostsService } from './visible-posts.service';
import { PostViewsService } from './post-views.service';
import { MediaInvalidations } from '../common/cache/media-invalidations.service';

/** The user already has a live save of that post (the unique saveKey said so). */
export class AlreadySavedError extends ConflictError {}

/** A live post with its stored bytes. */
export interface FileWithSource {
  file: SharedFileDocument;
  source: SourceFileDocument;
}

/**
 * The post lifecycle (shared files): make (an upload's original, a save's copy), read, edit, delete; the upload
 * pipeline that comes before an original is UploadsService. The rules live here; the queries and writes of
 * shared_files are PostsRepository's, what counts as visible VisiblePostsService's. Every post is made by
 * insertPost and placed in its shake (a ShakeEntry) by place(), which also queues the posted job.
 */
@Injectable()
export class PostsService {
  private readonly logger = new Logger(PostsService.name);

  constructor(
    private readonly files: PostsRepository,
    private readonly visible: VisiblePostsService,
    private readonly postViews: PostViewsService,
    private readonly jobs: JobProducer,
    private readonly sources: SourceFilesService,
    private readonly entries: ShakeEntriesService,
    private readonly search: SearchIndexer,
    private readonly postCache: PostCacheService,
    private readonly media: MediaInvalidations,
  ) {}

  /**
   * The post of a new upload, whose source (its stored bytes) the upload pipeline has just acquired: placed in
   * its shake, or the source's reference (and `undoAlso`, the upload's quota) given back if it cannot be. Then its variants (for new bytes), caches
   * and search follow.
   */
  async createOriginal(
    owner: AuthUser,
    shake: ShakeDocument,
    acquired: { source: SourceFileDocument; created: boolean },
    fields: UploadFields,
    fileName: string | null = null,
    undoAlso?: () => Promise<unknown>,
  ): Promise<ShownPost> {
    const { source, created } = acquired;
    const giveBack = () => [this.releaseReference(source._id), undoAlso?.()];
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
    } catch (error) {
      await this.undo(giveBack(), source._id);
      throw error;
    }
    await this.place(file, giveBack);
    await this.postCache.changedIn(shake, file);
    if (created) await this.enqueueVariants(source);
    await this.search.enqueue('file', file._id);
    return { post: file, source, owner, shake };
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
      await this.files.deleteById(file._id);
      throw new NotFoundError('No such file');
    }
    const giveBack = () => [this.releaseReference(source._id)];
    try {
      if (source.nsfw && !file.nsfw) {
        await this.files.markNsfw(file._id);
        file.nsfw = true;
      }
    } catch (error) {
      await this.undo([this.files.deleteById(file._id), ...giveBack()], source._id);
      throw error;
    }
    await this.place(file, giveBack);
    await this.postCache.changed(file);
    return file;
  }

  /** The saver's live save of the parent, if any. */
  findSaveOf(saverId: Types.ObjectId, parentId: Types.ObjectId): Promise<SharedFileDocument | null> {
    return this.files.findLiveSaveOf(saverId, parentId);
  }

  /** The post and its bytes, if the post is visible (post-visibility.ts): every route on one post asks here. */
  async getLive(key: string): Promise<FileWithSource> {
    const { post, source } = await this.getVisible(key);
    return { file: post, source };
  }

  /** The post with its bytes, owner and shake, if it is visible (GET /files/:key shows them). */
  async getVisible(key: string): Promise<VisiblePost<SharedFileDocument>> {
    if (!SHARE_KEY_PATTERN.test(key)) throw new NotFoundError('No such file');
    const shown = await this.visible.one(await this.files.findLiveByKey(key));
    if (!shown) throw new NotFoundError('No such file');
    return shown;
  }

  /** The post by id if it is visible (post-visibility.ts), else null. */
  async findVisibleById(id: Types.ObjectId): Promise<SharedFileDocument | null> {
    return (await this.visible.one(await this.files.findLiveById(id)))?.post ?? null;
  }

  /** Returns the post as it is now. */
  async update(user: AuthUser, key: string, changes: UpdateFileDto): Promise<VisiblePost<SharedFileDocument>> {
    const { file } = await this.getLive(key);
    this.assertMayChange(user, file, 'edit');
    const { nsfw, ...given } = changes;
    const words: { title?: string; description?: string; altText?: string; tags?: string[] } = Object.fromEntries(
      Object.entries(given).filter(([, value]) => value !== undefined),
    );
    if (given.description !== undefined) words.tags = tagsOf(given.description);
    await this.files.setWords(file._id, words);
    let marked: SharedFileDocument[] = [];
    if (nsfw) {
      await this.sources.markNsfw(file.sourceId);
      marked = await this.files.markNsfwBySource(file.sourceId);
    }
    // Old and new tags: the post may have left a tag's stream.
    const shown = { ...file.toObject(), tags: [...file.tags, ...(words.tags ?? [])] };
    await this.postCache.changed(shown, ...marked);
    await this.media.publish(marked.map((post) => post.key));
    await this.search.enqueue('file', file._id);
    return this.getVisible(key);
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
      const batch = await this.files.unreleasedOfShake(shakeId, after, batchSize);
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
   *
   * `releaseNow` (the account removal, which deletes the document next) gives the reference back here instead of
   * in a files/release job: never both, since FerretDB applies a conditional update as a read and then a write,
   * so a job and this call racing could both give it back.
   */
  async takeDown(file: SharedFileDocument, { releaseNow = false } = {}): Promise<void> {
    await this.files.markDeleted(file);
    const data: PostJob = { sharedFileId: file._id.toHexString() };
    if (releaseNow) await this.releaseDeleted(file._id);
    else await this.jobs.send('files/release', data);
    await this.jobs.send('social/post-removed', data);
    await this.media.publish([file.key]);
    await this.entries.removePost(file._id);
    await this.postCache.changed(file);
    await this.search.enqueue('file', file._id);
  }

  /** Job: gives a deleted post's reference back to its source, once, and purges bytes nothing refers to. */
  async releaseDeleted(sharedFileId: Types.ObjectId): Promise<void> {
    const file = await this.files.markReleased(sharedFileId);
    if (!file) return;
    // Published again from the job: a request that crashed after its database write is repaired by Bull's retries.
    await this.media.publish([file.key]);
    await this.releaseReference(file.sourceId);
  }

  /**
   * A removed account's post, after takeDown and releaseDeleted: the document itself goes (only once its
   * reference was given back, so the bytes' count stays right). Saved copies keep their savedFrom key.
   */
  async forgetTakenDown(sharedFileId: Types.ObjectId): Promise<boolean> {
    if (!(await this.files.deleteReleased(sharedFileId))) return false;
    await this.postViews.forget(sharedFileId);
    return true;
  }

  /** The views fold: views counted in Redis, kept beside the post (PostViewsService), never written on it. */
  async addViews(sharedFileId: Types.ObjectId, views: number): Promise<void> {
    const file = await this.files.findById(sharedFileId);
    if (!file) return;
    await this.postViews.add(file, views);
    await this.postCache.changed(file);
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
        return await this.files.insert({ ...post, ...(saveKey ? { saveKey } : {}), tags: tagsOf(post.description), key: newShareKey() });
      } catch (error) {
        if (!isDuplicateKeyError(error)) throw error;
        // Not every MongoDB-compatible server names the index in the error, so ask whether it was the save.
        if (saveKey && (await this.files.saveKeyTaken(saveKey))) throw new AlreadySavedError('You saved this file already');
        if (attempt >= 4) throw error;
      }
    }
  }

  /**
   * Every new post goes through here: it is placed in its shake (a ShakeEntry) and the posted job is queued. If
   * it cannot be placed it is taken back with what it took (`giveBack`: the source's reference, the upload's
   * quota), so no post exists that its shake does not show. Once placed it stands.
   */
  private async place(file: SharedFileDocument, giveBack: () => (Promise<unknown> | undefined)[]): Promise<void> {
    try {
      await this.entries.add({ shakeId: file.shakeId, sharedFileId: file._id, sourceId: file.sourceId, userId: file.userId });
    } catch (error) {
      await this.undo([this.files.deleteById(file._id), ...giveBack()], file.sourceId);
      throw error;
    }
    await this.jobs.send('social/posted', { sharedFileId: file._id.toHexString() });
  }

  private async releaseReference(sourceId: Types.ObjectId): Promise<void> {
    await this.purge(await this.sources.release(sourceId, () => this.files.holdersOf(sourceId)));
  }

  /**
   * The undo steps of a post that could not be made, run at once rather than one after the other: with the
   * database gone each waits out its timeout. What they cannot undo is logged; the reference audit
   * (SourceReferencesSweeper) repairs a reference left taken.
   */
  private async undo(steps: (Promise<unknown> | undefined)[], sourceId: Types.ObjectId): Promise<void> {
    for (const result of await Promise.allSettled(steps)) {
      if (result.status === 'rejected') this.logger.warn({ err: result.reason, sourceId }, 'could not undo a post that failed');
    }
  }
}
