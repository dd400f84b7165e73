import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { ListReads } from '../common/database/list-reads';
import { ConflictError, NotFoundError } from '../common/errors/domain-errors';
import { SearchIndexer } from '../jobs/search-indexer';
import { type NotificationMailSettings, User, type UserDocument } from './schemas/user.schema';
import { Role } from '../common/auth/role';
import { CacheGenerationsService } from '../common/cache/cache-generations.service';
import { MediaInvalidations } from '../common/cache/media-invalidations.service';
import { CacheScope } from '../common/cache/cache-scope';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';

export interface PostOwner {
  username: string;
  usernameLower: string;
  disabled: boolean;
}

export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

/** Users and the queries on the users collection (indexes: usernameLower unique, email unique, _id). */
@Injectable()
export class UsersService {
  constructor(
    @InjectModel(User.name) private readonly users: Model<User>,
    private readonly search: SearchIndexer,
    private readonly generations: CacheGenerationsService,
    private readonly media: MediaInvalidations,
    private readonly lists: ListReads,
  ) {}

  /** Inserts a user; the unique indexes (not a prior find) decide races: the loser gets a ConflictError. */
  async create(input: {
    username: string;
    email: string;
    passwordHash: string;
    role?: Role;
    emailVerified?: boolean;
  }): Promise<UserDocument> {
    const usernameLower = input.username.toLowerCase();
    try {
      return await this.users.create({
        username: input.username,
        usernameLower,
        email: normaliseEmail(input.email),
        passwordHash: input.passwordHash,
        role: input.role ?? Role.User,
        emailVerified: input.emailVerified ?? true,
      });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      // Not every MongoDB-compatible server names the index in the error, so ask which one it was.
      const nameTaken = await this.users.exists({ usernameLower });
      throw new ConflictError(nameTaken ? 'That name is taken' : 'That email is already registered');
    }
  }

  /** Deletes the document (a failed registration, the last step of an account's removal). */
  async remove(id: Types.ObjectId): Promise<void> {
    await this.users.deleteOne({ _id: id });
  }

  /** Every user's id, oldest first, a cursor (a search rebuild's walk). */
  ids(batchSize: number): AsyncIterable<{ _id: Types.ObjectId }> {
    return this.users.find({}, { _id: 1 }).sort({ _id: 1 }).lean<{ _id: Types.ObjectId }[]>().cursor({ batchSize });
  }

  /** About how many there are (a rebuild's progress). */
  estimatedCount(): Promise<number> {
    return this.users.estimatedDocumentCount().exec();
  }

  /**
   * Starts the removal of an account (nothing cancels it then): disabled as an admin disables one, a pending
   * deletion request replaced by removingSince. Idempotent: a removal already started keeps its time.
   */
  async startRemoval(id: Types.ObjectId, now = new Date()): Promise<UserDocument> {
    await this.users.updateOne({ _id: id, removingSince: { $exists: false } }, { $set: { removingSince: now } }).exec();
    return this.update(id, { disabled: true, deletionRequestedAt: null });
  }

  /** Accounts whose owner asked for deletion before `requestedBefore` and whose removal has not started. */
  dueForRemoval(requestedBefore: Date, limit: number): Promise<UserDocument[]> {
    return this.users
      .find({ deletionRequestedAt: { $lte: requestedBefore }, removingSince: { $exists: false } })
      .limit(limit)
      .exec();
  }

  /** Accounts whose removal started before `startedBefore` (and so may have been interrupted). */
  beingRemoved(startedBefore: Date, limit: number): Promise<UserDocument[]> {
    return this.users
      .find({ removingSince: { $lte: startedBefore } })
      .limit(limit)
      .exec();
  }

  findById(id: Types.ObjectId | string): Promise<UserDocument | null> {
    return this.users.findById(id).exec();
  }

  findByUsername(username: string): Promise<UserDocument | null> {
    return this.users.findOne({ usernameLower: username.toLowerCase() }).exec();
  }

  /** Usernames by user id (hex), in one query, for responses that mention several users. */
  async usernamesByIds(ids: Types.ObjectId[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.lists.byIds(this.users, ids, { username: 1 });
    return new Map(rows.map((row) => [row._id.toHexString(), row.username]));
  }

  /** Name and state of each user by id (hex), in one query: enough to show a post and to decide it is visible. */
  async ownersByIds(ids: Types.ObjectId[]): Promise<Map<string, PostOwner>> {
    if (ids.length === 0) return new Map();
    const rows = await this.lists.byIds(this.users, ids, { username: 1, usernameLower: 1, disabled: 1 });
    return new Map(
      rows.map((row) => [row._id.toHexString(), { username: row.username, usernameLower: row.usernameLower, disabled: row.disabled }]),
    );
  }

  /** A user's own settings (PATCH /me); each notification mail setting given is set alone (dotted path). */
  async updateSettings(
    id: Types.ObjectId,
    changes: { showNsfw?: boolean; notificationMail?: Partial<NotificationMailSettings> },
  ): Promise<UserDocument> {
    const { notificationMail, ...rest } = changes;
    const flat = {
      ...rest,
      ...Object.fromEntries(Object.entries(notificationMail ?? {}).map(([key, value]) => [`notificationMail.${key}`, value])),
    };
    const given = Object.fromEntries(Object.entries(flat).filter(([, value]) => value !== undefined));
    const user = await this.users.findByIdAndUpdate(id, { $set: given }, { new: true }).exec();
    if (!user) throw new NotFoundError('No such user');
    return user;
  }

  /** A user by (normalised) email address. */
  findByEmail(email: string): Promise<UserDocument | null> {
    return this.users.findOne({ email: normaliseEmail(email) }).exec();
  }

  async setPasswordHash(id: Types.ObjectId, passwordHash: string): Promise<void> {
    const result = await this.users.updateOne({ _id: id }, { $set: { passwordHash } }).exec();
    if (result.matchedCount === 0) throw new NotFoundError('No such user');
  }

  /**
   * Sets the user's address and whether it is verified (a verification, or an email change). Refuses when the
   * address was meanwhile registered by someone else: the unique index decides.
   */
  async setEmail(id: Types.ObjectId, email: string, emailVerified: boolean): Promise<UserDocument> {
    try {
      const user = await this.users.findByIdAndUpdate(id, { $set: { email: normaliseEmail(email), emailVerified } }, { new: true }).exec();
      if (!user) throw new NotFoundError('No such user');
      return user;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      throw new ConflictError('That email is already registered');
    }
  }

  /** By username, or by email when the login contains an @. */
  findByLogin(login: string): Promise<UserDocument | null> {
    return login.includes('@') ? this.users.findOne({ email: normaliseEmail(login) }).exec() : this.findByUsername(login);
  }

  /** An enabled user by name, for public pages; disabled users do not exist there. */
  async getActiveByUsername(username: string): Promise<UserDocument> {
    const user = await this.findByUsername(username);
    if (!user || user.disabled) throw new NotFoundError('No such user');
    return user;
  }

  async getByUsername(username: string): Promise<UserDocument> {
    const user = await this.findByUsername(username);
    if (!user) throw new NotFoundError('No such user');
    return user;
  }

  /** Keyset page by _id, so deep pages cost what the first does. */
  async list(after: string | undefined, limit: number): Promise<{ items: UserDocument[]; next?: string }> {
    const filter = after ? { _id: { $gt: new Types.ObjectId(after) } } : {};
    const items = await this.users
      .find(filter)
      .sort({ _id: 1 })
      .limit(limit + 1)
      .exec();
    const hasMore = items.length > limit;
    const page = items.slice(0, limit);
    return { items: page, next: hasMore ? page[page.length - 1]._id.toString() : undefined };
  }

  /** deletionRequestedAt: a date records a deletion request, null clears it (a cancelled one, or an admin's change). */
  async update(id: Types.ObjectId, changes: { disabled?: boolean; role?: Role; deletionRequestedAt?: Date | null }): Promise<UserDocument> {
    const { deletionRequestedAt, ...flags } = changes;
    const given = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
    const update =
      deletionRequestedAt === undefined
        ? { $set: given }
        : deletionRequestedAt === null
          ? { ...(Object.keys(given).length > 0 ? { $set: given } : {}), $unset: { deletionRequestedAt: 1 } }
          : { $set: { ...given, deletionRequestedAt } };
    const user = await this.users.findByIdAndUpdate(id, update, { new: true }).exec();
    if (!user) throw new NotFoundError('No such user');
    // A disabled user's profile is gone and what they made may leave lists: start every cached response afresh.
    await this.generations.bump(CacheScope.user(user.username), changes.disabled !== undefined ? [CacheScope.site] : []);
    // A disabled user's files are no longer served; rare enough to drop every process's media cache.
    if (changes.disabled) await this.media.publishEverything();
    if (changes.disabled !== undefined) await this.search.enqueueUserWithOwned(user._id);
    else await this.search.enqueue('user', user._id);
    return user;
  }
}
