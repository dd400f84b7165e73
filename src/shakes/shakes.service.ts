import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { ListReads } from '../common/database/list-reads';
import { fresherCountFilter } from '../common/counters/fresher-count';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { CacheGenerationsService } from '../common/cache/cache-generations.service';
import { MediaInvalidations } from '../common/cache/media-invalidations.service';
import { CacheScope } from '../common/cache/cache-scope';
import { JobProducer } from '../jobs/job-producer';
import { Role } from '../common/auth/role';
import { SearchIndexer } from '../jobs/search-indexer';
import { Shake, type ShakeDocument, ShakeType } from './schemas/shake.schema';
import { ANY_SHAKE_NAME } from './shake-names';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';

/** Who is asking: enough to decide ownership and admin rights. */
export interface Actor {
  id: Types.ObjectId;
  role: Role;
}

export interface NewGroupShake {
  name: string;
  title: string;
  description?: string;
}

export interface ShakeCounts {
  _id: Types.ObjectId;
  followerCount: number;
  fileCount: number;
}

export interface ShakeChanges {
  title?: string;
  description?: string;
}

/** A generous bound on managers, so one shake document cannot grow without limit. */
export const MAX_MANAGERS = 100;

/**
 * Shakes and the queries on the shakes collection (indexes: nameLower unique, {ownerId, type}, _id).
 * Authorization rules for shakes live here so that every caller (controllers, jobs, the files feature)
 * gets the same answer.
 */
@Injectable()
export class ShakesService {
  constructor(
    @InjectModel(Shake.name) private readonly shakes: Model<Shake>,
    private readonly jobs: JobProducer,
    private readonly config: ConfigService<ResolvedEnvironment, true>,
    private readonly search: SearchIndexer,
    private readonly generations: CacheGenerationsService,
    private readonly media: MediaInvalidations,
    private readonly lists: ListReads,
  ) {}

  /** Every user has one user shake named after them; the unique name index settles races. */
  async createUserShake(owner: { _id: Types.ObjectId; username: string }): Promise<ShakeDocument> {
    try {
      return await this.shakes.create({
        name: owner.username,
        nameLower: owner.username.toLowerCase(),
        type: ShakeType.User,
        ownerId: owner._id,
        title: owner.username,
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError('That name is taken');
      throw error;
    }
  }

  /**
   * The limit is checked before and again after the insert: two concurrent creations that both passed the
   * first check and together exceed the limit are both rolled back, so the limit is never exceeded.
   */
  async createGroupShake(ownerId: Types.ObjectId, input: NewGroupShake): Promise<ShakeDocument> {
    const limit = this.config.get('GROUP_SHAKES_PER_USER', { infer: true });
    const limitReached = () =>
      new ConflictError(limit === 0 ? 'Group shakes are turned off on this server' : `You already own ${limit} group shakes, the limit`);
    if ((await this.countGroupShakesOf(ownerId)) >= limit) throw limitReached();

    let shake: ShakeDocument;
    try {
      shake = await this.shakes.create({
        name: input.name,
        nameLower: input.name.toLowerCase(),
        type: ShakeType.Group,
        ownerId,
        title: input.title,
        description: input.description ?? '',
      });
    } catch (error) {
      if (isDuplicateKeyError(error)) throw new ConflictError('That name is taken (by a user or a shake)');
      throw error;
    }
    if ((await this.countGroupShakesOf(ownerId)) > limit) {
      await this.shakes.deleteOne({ _id: shake._id });
      throw limitReached();
    }
    await this.search.enqueue('shake', shake._id);
    return shake;
  }

  private countGroupShakesOf(ownerId: Types.ObjectId): Promise<number> {
    return this.shakes.countDocuments({ ownerId, type: ShakeType.Group }).exec();
  }

  /** By name, without regard to case. */
  async findByName(name: string): Promise<ShakeDocument | null> {
    if (!ANY_SHAKE_NAME.test(name)) return null;
    return this.shakes.findOne({ nameLower: name.toLowerCase() }).exec();
  }

  /** Several by name, without regard to case, in one query (unknown names are left out). */
  findByNames(names: string[]): Promise<ShakeDocument[]> {
    const lower = [...new Set(names.filter((name) => ANY_SHAKE_NAME.test(name)).map((name) => name.toLowerCase()))];
    return lower.length === 0 ? Promise.resolve([]) : this.shakes.find({ nameLower: { $in: lower } }).exec();
  }

  async getByName(name: string): Promise<ShakeDocument> {
    const shake = await this.findByName(name);
    if (!shake) throw new NotFoundError('No such shake');
    return shake;
  }

  /** Every shake's id, oldest first, a cursor (a search rebuild's walk). */
  ids(batchSize: number): AsyncIterable<{ _id: Types.ObjectId }> {
    return this.shakes.find({}, { _id: 1 }).sort({ _id: 1 }).lean<{ _id: Types.ObjectId }[]>().cursor({ batchSize });
  }

  /** About how many there are (a rebuild's progress). */
  estimatedCount(): Promise<number> {
    return this.shakes.estimatedDocumentCount().exec();
  }

  findById(id: Types.ObjectId): Promise<ShakeDocument | null> {
    return this.shakes.findById(id).exec();
  }

  findByIds(ids: Types.ObjectId[]): Promise<ShakeDocument[]> {
    return this.lists.byIds(this.shakes, ids);
  }

  /** The user's own shake (every user has exactly one). */
  /** Every shake a user owns, their user shake first; index {ownerId, type}. */
  async ownedBy(ownerId: Types.ObjectId): Promise<ShakeDocument[]> {
    const owned = await this.shakes.find({ ownerId }).sort({ _id: 1 }).exec();
    return owned.sort((a, b) => Number(b.type === ShakeType.User) - Number(a.type === ShakeType.User));
  }

  findUserShakeOf(ownerId: Types.ObjectId): Promise<ShakeDocument | null> {
    return this.shakes.findOne({ ownerId, type: ShakeType.User }).exec();
  }

  async getUserShakeOf(ownerId: Types.ObjectId): Promise<ShakeDocument> {
    const shake = await this.findUserShakeOf(ownerId);
    if (!shake) throw new NotFoundError('That user has no shake');
    return shake;
  }

  /** Whether the user may put files into the shake: its owner and, for group shakes, its managers. */
  canPost(userId: Types.ObjectId, shake: Pick<Shake, 'ownerId' | 'managerIds'>): boolean {
    return shake.ownerId.equals(userId) || shake.managerIds.some((managerId) => managerId.equals(userId));
  }

  /** The shake a new post of this user goes to (an upload or a save): the named one if they may post there, else their own. */
  async getPostableShake(userId: Types.ObjectId, name?: string): Promise<ShakeDocument> {
    const shake = name ? await this.getByName(name) : await this.getUserShakeOf(userId);
    if (!this.canPost(userId, shake)) throw new ForbiddenError(`You may not post to the shake ${shake.name}`);
    return shake;
  }

  /** Editing and deleting: the owner, or an admin. Managers post; they do not run the shake. */
  private assertCanEdit(actor: Actor, shake: ShakeDocument): void {
    if (!shake.ownerId.equals(actor.id) && actor.role !== Role.Admin) {
      throw new ForbiddenError('Only the owner of this shake (or an admin) may change it');
    }
  }

  private assertIsOwner(actor: Actor, shake: ShakeDocument): void {
    if (!shake.ownerId.equals(actor.id)) throw new ForbiddenError('Only the owner of this shake may change its managers');
  }

  async update(actor: Actor, shake: ShakeDocument, changes: ShakeChanges): Promise<ShakeDocument> {
    this.assertCanEdit(actor, shake);
    const set: ShakeChanges = {};
    if (changes.title !== undefined) set.title = changes.title;
    if (changes.description !== undefined) set.description = changes.description;
    const updated = await this.shakes.findByIdAndUpdate(shake._id, { $set: set }, { new: true }).exec();
    if (!updated) throw new NotFoundError('No such shake');
    await this.generations.bump(CacheScope.shake(updated.name));
    await this.search.enqueue('shake', updated._id);
    return updated;
  }

  /**
   * Deletes a group shake at once, which hides its posts at once (post-visibility.ts); the shake-deleted job then
   * deletes them and removes its follows and entries.
   */
  async deleteGroupShake(actor: Actor, shake: ShakeDocument): Promise<void> {
    this.assertCanEdit(actor, shake);
    if (shake.type !== ShakeType.Group) {
      throw new ConflictError('A user shake cannot be deleted: it belongs to its account');
    }
    await this.removeShake(shake);
  }

  /**
   * The deletion itself (DELETE /shakes/:name, and a removed account's shakes): the document goes now, its posts,
   * follows and entries in the social/shake-deleted job. Idempotent.
   */
  async removeShake(shake: ShakeDocument): Promise<void> {
    await this.shakes.deleteOne({ _id: shake._id });
    // Its posts leave every list, so every cached response may be stale: rare enough to start afresh.
    await this.generations.bump(CacheScope.shake(shake.name), CacheScope.site);
    // Its files are no longer served either.
    await this.media.publishEverything();
    await this.search.enqueue('shake', shake._id);
    await this.jobs.send('social/shake-deleted', { shakeId: shake._id.toHexString() });
  }

  /**
   * A removed account's group shake goes to its longest-standing manager (the first in managerIds: managers are
   * appended as they are added), who stops being a manager by becoming the owner. Returns the new owner, or null
   * when the shake has no manager (then the caller deletes it). The group shake limit is not applied: it bounds
   * creating shakes, not inheriting one.
   */
  async passToManager(shake: ShakeDocument): Promise<Types.ObjectId | null> {
    const heir = shake.managerIds.find((id) => !id.equals(shake.ownerId));
    if (!heir) return null;
    const updated = await this.shakes
      .findOneAndUpdate({ _id: shake._id, ownerId: shake.ownerId }, { $set: { ownerId: heir }, $pull: { managerIds: heir } }, { new: true })
      .exec();
    if (updated) {
      await this.generations.bump(CacheScope.shake(updated.name));
      await this.search.enqueue('shake', updated._id);
    }
    return heir;
  }

  /** A removed account stops managing every shake it managed; index {managerIds} (multikey). */
  async withdrawManager(userId: Types.ObjectId): Promise<number> {
    const managed = await this.shakes.find({ managerIds: userId }).exec();
    for (const shake of managed) await this.updateManagers(shake._id, { $pull: { managerIds: userId } });
    return managed.length;
  }

  /** Idempotent: adding a manager twice leaves one. */
  async addManager(actor: Actor, shake: ShakeDocument, userId: Types.ObjectId): Promise<ShakeDocument> {
    this.assertIsOwner(actor, shake);
    if (shake.type !== ShakeType.Group) throw new ConflictError('Only group shakes have managers');
    if (shake.ownerId.equals(userId)) {
      throw new ConflictError('The owner already runs this shake and cannot also be one of its managers');
    }
    const isManager = shake.managerIds.some((id) => id.equals(userId));
    if (!isManager && shake.managerIds.length >= MAX_MANAGERS) {
      throw new ConflictError(`A shake can have at most ${MAX_MANAGERS} managers`);
    }
    return this.updateManagers(shake._id, { $addToSet: { managerIds: userId } });
  }

  /** Idempotent: removing someone who is not a manager changes nothing. */
  async removeManager(actor: Actor, shake: ShakeDocument, userId: Types.ObjectId): Promise<ShakeDocument> {
    this.assertIsOwner(actor, shake);
    return this.updateManagers(shake._id, { $pull: { managerIds: userId } });
  }

  private async updateManagers(
    shakeId: Types.ObjectId,
    update: { $addToSet: { managerIds: Types.ObjectId } } | { $pull: { managerIds: Types.ObjectId } },
  ): Promise<ShakeDocument> {
    const updated = await this.shakes.findByIdAndUpdate(shakeId, update, { new: true }).exec();
    if (!updated) throw new NotFoundError('No such shake');
    await this.generations.bump(CacheScope.shake(updated.name));
    return updated;
  }

  /**
   * Stores a follower count taken at countedAt, unless a count taken later is already stored (see
   * Shake.followerCountAt). A stored time further in the future than any plausible clock skew is taken
   * for damage, not for a fresher count, so that it cannot block every later count. Returns whether it
   * was written.
   */
  async storeFollowerCount(shakeId: Types.ObjectId, count: number, countedAt: Date): Promise<boolean> {
    const changed = await this.storeCount(shakeId, 'followerCount', 'followerCountAt', count, countedAt);
    // Search ranks shakes by their followers, and users by their user shake's (indexed with the user).
    if (changed?.type === ShakeType.User) await this.search.enqueue('user', changed.ownerId);
    else if (changed) await this.search.enqueue('shake', changed._id);
    return changed !== null;
  }

  /** Stores a file count taken at countedAt, under the same rule as storeFollowerCount. */
  async storeFileCount(shakeId: Types.ObjectId, count: number, countedAt: Date): Promise<boolean> {
    return (await this.storeCount(shakeId, 'fileCount', 'fileCountAt', count, countedAt)) !== null;
  }

  /**
   * One round trip: the update hands back the shake as it was, which tells whether anything changed and names
   * the shake whose cached pages (they show its counts) are stale now; returned when it changed. (No projection:
   * FerretDB 1.x does not support one on findAndModify.)
   */
  private async storeCount(
    shakeId: Types.ObjectId,
    field: 'followerCount' | 'fileCount',
    timeField: 'followerCountAt' | 'fileCountAt',
    count: number,
    countedAt: Date,
  ): Promise<(Shake & { _id: Types.ObjectId }) | null> {
    const before = await this.shakes
      .findOneAndUpdate({ _id: shakeId, ...fresherCountFilter(timeField, countedAt) }, { $set: { [field]: count, [timeField]: countedAt } })
      .lean()
      .exec();
    if (!before || (before[field] === count && before[timeField]?.getTime() === countedAt.getTime())) return null;
    await this.generations.bump(CacheScope.shake(before.name));
    return before;
  }

  /** A page of shakes in _id order with their stored counters, for the recount job. */
  pageForRecount(after: Types.ObjectId | null, size: number): Promise<ShakeCounts[]> {
    return this.shakes
      .find(after ? { _id: { $gt: after } } : {}, { _id: 1, followerCount: 1, fileCount: 1 })
      .sort({ _id: 1 })
      .limit(size)
      .lean<ShakeCounts[]>()
      .exec();
  }
}
