import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import type { Queue } from 'bull';
import type { IncomingMessage } from 'node:http';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type Model, mongo, type Types } from 'mongoose';
import type { AuthUser } from '../auth/auth-user';
import { ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { QUEUES } from '../jobs/queues';
import { SearchIndexer } from '../search/search-indexer';
import { ShakesService } from '../shakes/shakes.service';
import { Role } from '../users/schemas/user.schema';
import { UsersService } from '../users/users.service';
import { FileDto } from './dto/file.dto';
import type { UpdateFileDto } from './dto/update-file.dto';
import { sha256OfFile } from './file-hash';
import { stripGpsLocation } from './images/gps-stripper';
import { ImageInspector } from './images/image-inspector';
import { SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';
import type { SourceFileDocument } from './schemas/source-file.schema';
import { newShareKey, SHARE_KEY_PATTERN } from './share-key';
import { SourceFilesService } from './source-files.service';
import { MultipartImageReceiver } from './upload/multipart-image.receiver';
import { uploadLimitsFrom } from './upload/upload-limits';

const isDuplicateKey = (error: unknown) => error instanceof mongo.MongoServerError && error.code === 11000;

/** A live post with its stored bytes. */
export interface FileWithSource {
  file: SharedFileDocument;
  source: SourceFileDocument;
}

/**
 * Posts (shared files): upload, read, edit, delete. Queries on shared_files live here (indexes: key unique,
 * userId, sourceId, {shakeId, _id}).
 */
@Injectable()
export class FilesService {
  private readonly logger = new Logger(FilesService.name);
  private readonly receiver: MultipartImageReceiver;
  private readonly inspector: ImageInspector;

  constructor(
    @InjectModel(SharedFile.name) private readonly files: Model<SharedFile>,
    @InjectQueue(QUEUES.files.name) private readonly queue: Queue,
    private readonly sources: SourceFilesService,
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
    private readonly search: SearchIndexer,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    const limits = uploadLimitsFrom({
      UPLOAD_MAX_BYTES: config.get('UPLOAD_MAX_BYTES', { infer: true }),
      UPLOAD_MAX_PIXELS: config.get('UPLOAD_MAX_PIXELS', { infer: true }),
      UPLOAD_TMP_DIR: config.get('UPLOAD_TMP_DIR', { infer: true }),
    });
    this.receiver = new MultipartImageReceiver(limits);
    this.inspector = new ImageInspector(limits.maxPixels);
  }

  /**
   * Receives an upload into a temporary file (limits enforced as the bytes arrive), decodes it fully, strips
   * its GPS location in place, then stores it once per content hash and makes a post of it. The temporary
   * file is always removed; a failure after the source was taken gives its reference back.
   */
  async upload(user: AuthUser, req: IncomingMessage): Promise<FileDto> {
    const received = await this.receiver.receive(req);
    try {
      const shake = received.fields.shake
        ? await this.shakes.getByName(received.fields.shake)
        : await this.shakes.getUserShake(user.id);
      if (!this.shakes.canPost(user.id, shake)) throw new ForbiddenError(`You may not post to the shake ${shake.name}`);

      const inspection = await this.inspector.inspect(received.path, received.type);
      await stripGpsLocation(received.path);
      const { source, created } = await this.sources.acquire({
        sha256: await sha256OfFile(received.path),
        size: received.size,
        inspection,
        open: () => createReadStream(received.path),
      });
      let file: SharedFileDocument;
      try {
        file = await this.createPost({
          sourceId: source._id,
          userId: user.id,
          shakeId: shake._id,
          title: received.fields.title ?? '',
          description: received.fields.description ?? '',
          altText: received.fields.altText ?? '',
        });
      } catch (error) {
        await this.purge(await this.sources.release(source._id));
        throw error;
      }
      if (created) await this.enqueueVariants(source._id);
      await this.search.enqueue('file', file._id);
      return FileDto.from(file, source, user, shake);
    } finally {
      await rm(received.path, { force: true });
    }
  }

  async describe(key: string): Promise<FileDto> {
    const { file, source } = await this.getLive(key);
    const [owner, shake] = await Promise.all([this.users.findById(file.userId), this.shakes.findById(file.shakeId)]);
    if (!owner || !shake) throw new NotFoundError('No such file');
    return FileDto.from(file, source, owner, shake);
  }

  /** The post and its bytes, if the post exists and is not deleted. */
  async getLive(key: string): Promise<FileWithSource> {
    if (!SHARE_KEY_PATTERN.test(key)) throw new NotFoundError('No such file');
    const file = await this.files.findOne({ key, deletedAt: null }).exec();
    const source = file ? await this.sources.findById(file.sourceId) : null;
    if (!file || !source) throw new NotFoundError('No such file');
    return { file, source };
  }

  async update(user: AuthUser, key: string, changes: UpdateFileDto): Promise<FileDto> {
    const { file } = await this.getLive(key);
    this.assertMayChange(user, file, 'edit');
    const { nsfw, ...given } = changes;
    const words = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
    if (Object.keys(words).length > 0) await this.files.updateOne({ _id: file._id }, { $set: words }).exec();
    if (nsfw) await this.sources.markNsfw(file.sourceId);
    await this.search.enqueue('file', file._id);
    return this.describe(key);
  }

  /** Soft delete: gone from every listing at once; the stored bytes go later, in a job, if nothing else uses them. */
  async remove(user: AuthUser, key: string): Promise<void> {
    const { file } = await this.getLive(key);
    this.assertMayChange(user, file, 'delete');
    await this.files.updateOne({ _id: file._id, deletedAt: null }, { $set: { deletedAt: new Date() } }).exec();
    await this.queue.add(QUEUES.files.jobs.release, { sharedFileId: file._id.toString() }, { jobId: `release:${file._id}` });
    await this.search.enqueue('file', file._id);
  }

  /** Job: gives a deleted post's reference back to its source, once, and purges bytes nothing refers to. */
  async releaseDeleted(sharedFileId: Types.ObjectId): Promise<void> {
    const file = await this.files
      .findOneAndUpdate(
        { _id: sharedFileId, deletedAt: { $ne: null }, sourceReleased: false },
        { $set: { sourceReleased: true } },
      )
      .exec();
    if (file) await this.purge(await this.sources.release(file.sourceId));
  }

  async addViews(sharedFileId: Types.ObjectId, views: number): Promise<void> {
    await this.files.updateOne({ _id: sharedFileId }, { $inc: { 'counts.views': views } }).exec();
  }

  private async purge(storageKeys: string[]): Promise<void> {
    if (storageKeys.length > 0) await this.queue.add(QUEUES.files.jobs.purge, { storageKeys });
  }

  private async enqueueVariants(sourceId: Types.ObjectId): Promise<void> {
    await this.queue
      .add(QUEUES.files.jobs.variants, { sourceId: sourceId.toString() }, { jobId: `variants:${sourceId}` })
      .catch((error: unknown) => this.logger.error({ err: error, sourceId }, 'could not queue the variants job'));
  }

  private assertMayChange(user: AuthUser, file: SharedFile, action: 'edit' | 'delete'): void {
    const mayChange = file.userId.equals(user.id) || (action === 'delete' && user.role === Role.Admin);
    if (!mayChange) throw new ForbiddenError(`Only the owner may ${action} this file`);
  }

  /** Inserts a post under a fresh share key, trying again on the (rare) collision. */
  private async createPost(post: Omit<SharedFile, 'key' | 'counts' | 'deletedAt' | 'sourceReleased' | 'parentId' | 'originalId' | 'createdAt' | 'updatedAt'>): Promise<SharedFileDocument> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.files.create({ ...post, key: newShareKey() });
      } catch (error) {
        if (!isDuplicateKey(error) || attempt >= 4) throw error;
      }
    }
  }
}
