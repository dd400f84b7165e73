import { Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { Readable } from 'node:stream';
import { ZipFile } from 'yazl';
import { DomainError, NotFoundError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { defaultFileNameOf } from '../files/delivery/media-entry';
import { FilePresenter } from '../files/file.presenter';
import { PostsRepository } from '../files/posts.repository';
import { SourceFilesService } from '../files/source-files.service';
import { STORAGE_DRIVER, type StorageDriver } from '../files/storage/storage-driver';
import { JobProducer } from '../jobs/job-producer';
import { MAIL_JOB_IDS } from '../jobs/queues';
import { MailQueue } from '../mail/mail.queue';
import { FollowsService } from '../shakes/follows.service';
import { ShakePresenter } from '../shakes/shake.presenter';
import { ShakesService } from '../shakes/shakes.service';
import { CommentPresenter } from '../social/comments/comment.presenter';
import { CommentsService } from '../social/comments/comments.service';
import { LikesService } from '../social/likes/likes.service';
import type { UserDocument } from '../users/schemas/user.schema';
import { UsersService } from '../users/users.service';
import { AccountExport, type AccountExportDocument, ExportStatus } from './schemas/account-export.schema';

const DAY_MS = 24 * 60 * 60 * 1000;
const PAGE = 100;

/** The export is not (or no longer) there to download. */
export class ExportNotReadyError extends DomainError {
  readonly status = 409;
}

/** The name of an original in the zip: its share key (unique) and the name the file had when it was uploaded. */
export function zipNameOf(post: { key: string; fileName: string | null }, contentType: string): string {
  const name = (post.fileName ?? defaultFileNameOf(post.key, contentType)).replace(/[\\/:*?"<>|]/g, '_');
  return `originals/${post.key}-${name}`;
}

/** A JSON array written one item at a time, from pages an async generator reads. */
function jsonArray(items: AsyncIterable<unknown>): Readable {
  return Readable.from(
    (async function* () {
      let first = true;
      yield '[';
      for await (const item of items) {
        yield `${first ? '\n' : ',\n'}  ${JSON.stringify(item)}`;
        first = false;
      }
      yield first ? ']\n' : '\n]\n';
    })(),
  );
}

/**
 * Account exports (POST /me/export): a zip of the user's originals (their bytes as stored, under the names they
 * were uploaded with) and JSON of their posts, saves, shakes, likes, comments and follows, each item as the API
 * shows it. Built by the account/export job as a stream straight into storage: the zip is never held in memory
 * (the originals are read one at a time, the JSON is written a page at a time), only the zip's index of entries.
 */
@Injectable()
export class AccountExportsService {
  private readonly logger = new Logger(AccountExportsService.name);
  private readonly ttlMs: number;

  constructor(
    @InjectModel(AccountExport.name) private readonly exports: Model<AccountExport>,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly jobs: JobProducer,
    private readonly mail: MailQueue,
    private readonly users: UsersService,
    private readonly posts: PostsRepository,
    private readonly sources: SourceFilesService,
    private readonly filePresenter: FilePresenter,
    private readonly shakes: ShakesService,
    private readonly shakePresenter: ShakePresenter,
    private readonly follows: FollowsService,
    private readonly likes: LikesService,
    private readonly comments: CommentsService,
    private readonly commentPresenter: CommentPresenter,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.ttlMs = config.get('ACCOUNT_EXPORT_TTL_DAYS', { infer: true }) * DAY_MS;
  }

  async request(userId: Types.ObjectId): Promise<AccountExportDocument> {
    const _id = new Types.ObjectId();
    const created = await this.exports.create({
      _id,
      userId,
      storageKey: `export-${_id.toHexString()}`,
      expiresAt: new Date(Date.now() + this.ttlMs),
    });
    await this.jobs.send('account/export', { exportId: _id.toHexString() });
    return created;
  }

  /** The user's own export, unless it expired; anyone else's is a 404 like one that does not exist. */
  async get(userId: Types.ObjectId, id: string): Promise<AccountExportDocument> {
    const found = Types.ObjectId.isValid(id) && /^[0-9a-f]{24}$/.test(id) ? await this.exports.findById(id).exec() : null;
    if (!found || !found.userId.equals(userId) || found.expiresAt.getTime() <= Date.now()) throw new NotFoundError('No such export');
    return found;
  }

  async open(userId: Types.ObjectId, id: string): Promise<{ export: AccountExportDocument; body: Readable }> {
    const found = await this.get(userId, id);
    if (found.status !== ExportStatus.Ready) throw new ExportNotReadyError(`The export is ${found.status}, not ready`);
    return { export: found, body: await this.storage.read(found.storageKey) };
  }

  /** Job: builds the zip into storage, marks the export ready and mails its link. Runs again from scratch if retried. */
  async build(exportId: Types.ObjectId): Promise<void> {
    const found = await this.exports.findById(exportId).exec();
    if (!found || found.status !== ExportStatus.Pending) return;
    const user = await this.users.findById(found.userId);
    if (!user) {
      await this.exports.deleteOne({ _id: found._id }).exec();
      return;
    }
    const zip = new ZipFile();
    const stored = this.storage.write(found.storageKey, zip.outputStream as unknown as Readable, { contentType: 'application/zip' });
    try {
      await this.addEntries(zip, user);
      zip.end();
      await stored;
    } catch (error) {
      zip.outputStream.emit('error', error);
      await stored.catch(() => undefined);
      throw error;
    }
    const size = (await this.storage.stat(found.storageKey))?.size ?? null;
    await this.exports.updateOne({ _id: found._id }, { $set: { status: ExportStatus.Ready, size, readyAt: new Date() } }).exec();
    await this.mail
      .send(MAIL_JOB_IDS.exportReady(found._id.toHexString()), {
        template: 'export-ready',
        to: user.email,
        data: { username: user.username, exportId: found._id.toHexString(), expiresAt: found.expiresAt.toISOString() },
      })
      .catch((error: Error) =>
        this.logger.warn(`export ${found._id.toHexString()} is ready but its mail was not queued: ${error.message}`),
      );
  }

  private async addEntries(zip: ZipFile, user: UserDocument): Promise<void> {
    const mtime = new Date();
    for await (const page of this.postPages(user._id)) {
      const originals = page.filter((post) => !post.parentId);
      const sources = new Map((await this.sources.findByIds(originals.map((post) => post.sourceId))).map((s) => [s._id.toHexString(), s]));
      for (const post of originals) {
        const source = sources.get(post.sourceId.toHexString());
        if (!source) continue;
        zip.addReadStreamLazy(zipNameOf(post, source.contentType), { compress: false, mtime }, (done) => {
          this.storage.read(source.storageKey).then(
            (body) => done(null, body),
            (error: Error) => done(error, undefined as never),
          );
        });
      }
    }
    const json = (name: string, items: () => AsyncIterable<unknown>) =>
      zip.addReadStreamLazy(name, { mtime }, (done) => done(null, jsonArray(items())));
    json('posts.json', () => this.postDtos(user._id, 'all'));
    json('saves.json', () => this.postDtos(user._id, 'copies'));
    json('shakes.json', () => this.shakeDtos(user._id));
    json('likes.json', () => this.likeDtos(user._id));
    json('comments.json', () => this.commentDtos(user._id));
    json('follows.json', () => this.followDtos(user._id));
    zip.addBuffer(
      Buffer.from(
        JSON.stringify(
          { username: user.username, email: user.email, createdAt: user.createdAt.toISOString(), exportedAt: mtime.toISOString() },
          null,
          2,
        ) + '\n',
      ),
      'account.json',
      { mtime },
    );
  }

  private async *postPages(userId: Types.ObjectId) {
    let after: Types.ObjectId | null = null;
    for (;;) {
      const page = await this.posts.liveOf(userId, after, PAGE);
      if (page.length > 0) yield page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]._id;
    }
  }

  private async *postDtos(userId: Types.ObjectId, which: 'all' | 'copies') {
    for await (const page of this.postPages(userId)) {
      yield* await this.filePresenter.many(which === 'all' ? page : page.filter((post) => post.parentId));
    }
  }

  private async *shakeDtos(userId: Types.ObjectId) {
    for (const shake of await this.shakes.ownedBy(userId)) yield await this.shakePresenter.shake(shake);
  }

  /** Newest like first, as GET /users/:username/likes: the liked post as the API shows it. */
  private async *likeDtos(userId: Types.ObjectId) {
    let from: Types.ObjectId | undefined;
    for (;;) {
      const rows = await this.likes.likesOf(userId, { direction: 'older', from, limit: PAGE });
      const page = rows.slice(0, PAGE);
      const liked = await this.posts.findLiveInOrder(page.map((like) => like.sharedFileId));
      const likedAt = new Map(page.map((like) => [like.sharedFileId.toHexString(), like.createdAt.toISOString()]));
      const keyed = new Map(liked.map((post) => [post.key, likedAt.get(post._id.toHexString()) ?? null]));
      for (const file of await this.filePresenter.many(liked)) yield { likedAt: keyed.get(file.key) ?? null, file };
      if (rows.length <= PAGE) return;
      from = page[page.length - 1]._id;
    }
  }

  /** Oldest first, each as GET /files/:key/comments shows it, with the key of the post it is on (null once deleted). */
  private async *commentDtos(userId: Types.ObjectId) {
    let after: Types.ObjectId | null = null;
    for (;;) {
      const page = await this.comments.writtenBy(userId, after, PAGE);
      const posts = await this.posts.findLiveInOrder(page.map((comment) => comment.sharedFileId));
      const keys = new Map(posts.map((post) => [post._id.toHexString(), post.key]));
      for (const comment of page) {
        yield { file: keys.get(comment.sharedFileId.toHexString()) ?? null, ...(await this.commentPresenter.one(comment)) };
      }
      if (page.length < PAGE) return;
      after = page[page.length - 1]._id;
    }
  }

  /** Newest first, as GET /me/following. */
  private async *followDtos(userId: Types.ObjectId) {
    let from: Types.ObjectId | undefined;
    for (;;) {
      const seek = { direction: 'older' as const, from, limit: PAGE };
      const rows = await this.follows.followedBy(userId, seek);
      yield* (await this.shakePresenter.following(rows, seek)).items;
      if (rows.length <= PAGE) return;
      from = rows[PAGE - 1]._id;
    }
  }

  /** Job: deletes expired exports, their zips first. */
  async sweepExpired(now = new Date()): Promise<number> {
    const expired = await this.exports
      .find({ expiresAt: { $lte: now } })
      .limit(500)
      .exec();
    for (const gone of expired) {
      await this.storage.delete(gone.storageKey);
      await this.exports.deleteOne({ _id: gone._id }).exec();
    }
    return expired.length;
  }

  /** Every export of a user, zips included (their account is being deleted). */
  async forget(userId: Types.ObjectId): Promise<void> {
    for (const gone of await this.exports.find({ userId }).exec()) {
      await this.storage.delete(gone.storageKey);
      await this.exports.deleteOne({ _id: gone._id }).exec();
    }
  }
}
