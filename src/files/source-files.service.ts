import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type FilterQuery, type Model, Types } from 'mongoose';
import { randomUUID } from 'node:crypto';
import { ListReads } from '../common/database/list-reads';
import type { ImageInspection } from './images/image-inspector';
import { SourceFile, type SourceFileDocument } from './schemas/source-file.schema';
import { type StoredVariant, VariantSet, type VariantSetDocument, VariantsStatus } from './schemas/variant-set.schema';
import { STORAGE_DRIVER, storeFile, type StorageDriver } from './storage/storage-driver';
import { InsufficientStorageError } from '../common/errors/domain-errors';
import { isDatabaseUnavailableError } from '../common/errors/database-unavailable';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { isNoSpaceError } from '../common/errors/no-space';

/** A source as the variants bookkeeping needs it: its id and the key of the bytes stored for it. */
export type StoredSource = Pick<SourceFileDocument, '_id' | 'storageKey'>;

/** The variant set made from these bytes, or one made before sets recorded their bytes. */
function madeFrom(source: StoredSource): FilterQuery<VariantSet> {
  return { $or: [{ sourceStorageKey: source.storageKey }, { sourceStorageKey: { $exists: false } }] };
}

/** What the reference audit reads of a source. */
export interface ReferenceAuditRow {
  _id: Types.ObjectId;
  refCount: number;
  updatedAt?: Date;
}

export interface NewSourceBytes {
  sha256: string;
  size: number;
  inspection: ImageInspection;
  /** The file holding the bytes; stored only when no identical source exists yet. */
  path: string;
}

/**
 * The _id a new source of these bytes gets: the first 12 bytes of their hash. The upload's dedupe lookup is then an
 * `_id` lookup, the one filter FerretDB 1.x pushes down (by sha256 it decoded every source: 90 ms with 1,000 stored,
 * 390 ms with 5,000 on SQLite, against 5-25 ms by _id; `npm run bench:lookups`), and MongoDB's cheapest too.
 * Sources stored before, or after a prefix collision, keep a random _id and are still found by sha256.
 */
export function sourceIdOf(sha256: string): Types.ObjectId {
  return new Types.ObjectId(sha256.slice(0, 24));
}

/**
 * Content-addressed source files, their reference counts and their variants (indexes: source_files sha256
 * unique; file_variants sourceId unique).
 *
 * A reference is taken by an atomic $inc on the document of that hash, and a source is purged only by an
 * atomic delete conditioned on refCount 0; so a re-upload racing a purge either revives the document (and the
 * purge stops) or finds none and stores the bytes again under a new random storage key. Such a re-upload gets
 * the same _id as the purged source, so everything keyed by the source id alone (its variant set, the variants
 * job) also says which stored bytes it belongs to: the source's storageKey, unique to each time bytes are stored.
 */
@Injectable()
export class SourceFilesService {
  constructor(
    @InjectModel(SourceFile.name) private readonly sources: Model<SourceFile>,
    @InjectModel(VariantSet.name) private readonly variants: Model<VariantSet>,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly lists: ListReads,
  ) {}

  /** Returns the source file for these bytes with one more reference, storing them only if they are new. */
  async acquire(bytes: NewSourceBytes): Promise<{ source: SourceFileDocument; created: boolean }> {
    const hashId = sourceIdOf(bytes.sha256);
    for (let attempt = 0; ; attempt++) {
      // After a duplicate key: an identical upload won the race (found by _id), or the bytes were stored under
      // a random _id (before hash ids, or on a prefix collision) and only the scan by sha256 finds them.
      const existing =
        (await this.takeReferenceByHashId(hashId, bytes.sha256)) ??
        (attempt > 0 ? await this.takeReference({ sha256: bytes.sha256 }) : null);
      if (existing) return { source: existing, created: false };

      const storageKey = `src-${randomUUID()}`;
      const sourceId = attempt === 0 ? hashId : new Types.ObjectId();
      await this.owe(sourceId, storageKey);
      try {
        await storeFile(this.storage, storageKey, bytes.path, { contentType: bytes.inspection.type });
      } catch (error) {
        // The driver stored nothing (its contract); nor is anything owed for these bytes any more.
        await this.dropPendingVariants({ _id: sourceId, storageKey });
        if (isNoSpaceError(error)) throw new InsufficientStorageError('The server has no room to store the file just now; try again later');
        throw error;
      }
      try {
        const source = await this.sources.create({
          // Found by neither lookup after a duplicate: the hash id is taken by other bytes (or was just purged).
          _id: sourceId,
          sha256: bytes.sha256,
          storageKey,
          contentType: bytes.inspection.type,
          size: bytes.size,
          width: bytes.inspection.width,
          height: bytes.inspection.height,
          frames: bytes.inspection.frames,
          refCount: 1,
        });
        return { source, created: true };
      } catch (error) {
        await this.storage.delete(storageKey);
        // With the database gone this would only wait out its timeout too: the files sweeper drops the marker.
        if (!isDatabaseUnavailableError(error)) await this.dropPendingVariants({ _id: sourceId, storageKey });
        if (!isDuplicateKeyError(error)) throw error;
      }
    }
  }

  /**
   * A reference to the source under the hash id if it holds these bytes. By `_id` alone: with the hash beside it
   * in the filter FerretDB scans the collection again (70 ms with 1,000 sources on SQLite, against 4 ms). The rare
   * other bytes under that id (a 96-bit prefix collision) get their reference back, purged if it was their last.
   */
  private async takeReferenceByHashId(hashId: Types.ObjectId, sha256: string): Promise<SourceFileDocument | null> {
    const taken = await this.takeReference({ _id: hashId });
    if (!taken || taken.sha256 === sha256) return taken;
    // Other bytes, held by posts this service cannot count: never purged from here (the reference audit settles them).
    const heldElsewhere = () => Promise.resolve(Math.max(1, taken.refCount - 1));
    await Promise.all((await this.release(hashId, heldElsewhere)).map((key) => this.storage.delete(key)));
    return null;
  }

  private takeReference(filter: FilterQuery<SourceFile>): Promise<SourceFileDocument | null> {
    return this.sources.findOneAndUpdate(filter, { $inc: { refCount: 1 } }, { new: true }).exec();
  }

  /**
   * One more reference to a source that is already stored (a save), or null when it is gone. Like acquire, the
   * atomic $inc keeps a purge (conditioned on refCount 0) from removing it afterwards.
   */
  acquireExisting(sourceId: Types.ObjectId): Promise<SourceFileDocument | null> {
    return this.sources.findOneAndUpdate({ _id: sourceId, refCount: { $gt: 0 } }, { $inc: { refCount: 1 } }, { new: true }).exec();
  }

  /**
   * Gives back one reference. When none is left, removes the document (only if still unreferenced) and
   * returns the storage keys whose objects must now be deleted. Before it removes anything it asks `holders`
   * how many posts still hold the source: on FerretDB, which applies an update as a read and then a write, two
   * concurrent $inc can lose one, and a count one too low must not cost a post its bytes. Then the count is set
   * to what the posts say, and nothing is removed.
   */
  async release(sourceId: Types.ObjectId, holders: () => Promise<number>): Promise<string[]> {
    const source = await this.sources.findOneAndUpdate({ _id: sourceId }, { $inc: { refCount: -1 } }, { new: true }).exec();
    if (!source || source.refCount > 0) return [];
    const held = await holders();
    if (held > 0) {
      await this.sources.updateOne({ _id: sourceId, refCount: { $lte: 0 } }, { $set: { refCount: held } }).exec();
      return [];
    }
    return this.purgeIfUnreferenced(sourceId);
  }

  /** Sources in _id order after `after`, with what the reference audit compares (SourceReferencesSweeper). */
  pageForReferenceAudit(after: Types.ObjectId | null, limit: number): Promise<ReferenceAuditRow[]> {
    return this.sources
      .find(after ? { _id: { $gt: after } } : {}, { refCount: 1, updatedAt: 1 })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<ReferenceAuditRow[]>()
      .exec();
  }

  /**
   * Sets the source's reference count to `held` (the posts that hold one) if the source is as it was read: same
   * count, not written since. With none held it is purged as release() purges it. Returns null when it changed
   * meanwhile (a reference taken or given back: the audit looks again next time), else the storage keys to delete.
   */
  async settleReferences(observed: ReferenceAuditRow, held: number): Promise<string[] | null> {
    const result = await this.sources
      .updateOne(
        { _id: observed._id, refCount: observed.refCount, updatedAt: observed.updatedAt ?? { $exists: false } },
        { $set: { refCount: held } },
      )
      .exec();
    if (result.matchedCount === 0) return null;
    return held > 0 ? [] : this.purgeIfUnreferenced(observed._id);
  }

  private async purgeIfUnreferenced(sourceId: Types.ObjectId): Promise<string[]> {
    const purged = await this.sources.findOneAndDelete({ _id: sourceId, refCount: { $lte: 0 } }).exec();
    if (!purged) return [];
    // Only the purged bytes' set: the same bytes uploaded again meanwhile are a new source with this _id.
    const variants = await this.variants.findOneAndDelete({ sourceId, ...madeFrom(purged) }).exec();
    return [purged.storageKey, variants?.thumbnail?.storageKey, variants?.small?.storageKey].filter(
      (key): key is string => key !== undefined,
    );
  }

  findById(id: Types.ObjectId): Promise<SourceFileDocument | null> {
    return this.sources.findById(id).exec();
  }

  findByIds(ids: Types.ObjectId[]): Promise<SourceFileDocument[]> {
    return this.lists.byIds(this.sources, ids);
  }

  /** null while the variants are still being made. */
  findVariants(sourceId: Types.ObjectId): Promise<VariantSetDocument | null> {
    return this.variants.findOne({ sourceId, status: { $ne: VariantsStatus.Pending } }).exec();
  }

  /** Variants owed since before `olderThan`, in _id order after `after` (the files sweeper). */
  pendingVariants(olderThan: Date, after: Types.ObjectId | null, limit: number): Promise<VariantSetDocument[]> {
    const below = Types.ObjectId.createFromTime(Math.floor(olderThan.getTime() / 1000));
    return this.variants
      .find({ status: VariantsStatus.Pending, _id: after ? { $gt: after, $lt: below } : { $lt: below } })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  /** Gives up on variants that kept failing: the thumbnail route answers 404 instead of 202 for ever. */
  async giveUpVariants(source: StoredSource): Promise<void> {
    await this.variants
      .updateOne(
        { sourceId: source._id, status: VariantsStatus.Pending, sourceStorageKey: source.storageKey },
        { $set: { status: VariantsStatus.Failed } },
      )
      .exec();
  }

  /** A pending marker whose bytes were never stored as a source (the upload stopped half way) or are gone. */
  async dropPendingVariants(source: StoredSource): Promise<void> {
    await this.variants.deleteOne({ sourceId: source._id, status: VariantsStatus.Pending, sourceStorageKey: source.storageKey }).exec();
  }

  /**
   * The variants of bytes about to be stored are owed from before their source exists, so a crash after it was
   * created still leaves them found by the files sweeper. A set already there (the same image stored before and
   * being purged) is left alone.
   */
  private async owe(sourceId: Types.ObjectId, storageKey: string): Promise<void> {
    try {
      await this.variants
        .updateOne({ sourceId }, { $setOnInsert: { status: VariantsStatus.Pending, sourceStorageKey: storageKey } }, { upsert: true })
        .exec();
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error; // an identical upload owes them already
    }
  }

  /** Whether the source's variants are made, from these very bytes (not from bytes purged before). */
  async hasVariantsReady(source: StoredSource): Promise<boolean> {
    const set = await this.findVariants(source._id);
    return set?.status === VariantsStatus.Ready && (set.sourceStorageKey ?? source.storageKey) === source.storageKey;
  }

  /**
   * Stores what the variants job made from these bytes. False when they were purged while the job worked (and
   * maybe stored again, as a new source with the same _id): the document just written is removed again, and the
   * caller deletes the objects it stored (see keptUnlessPurged).
   */
  async setVariants(source: StoredSource, made: { thumbnail: StoredVariant; small: StoredVariant }): Promise<boolean> {
    const set = { ...made, status: VariantsStatus.Ready, sourceStorageKey: source.storageKey };
    await this.variants.updateOne({ sourceId: source._id }, { $set: set }, { upsert: true }).exec();
    return this.keptUnlessPurged(source);
  }

  /** False, as for setVariants, when the bytes were purged meanwhile. */
  async markVariantsFailed(source: StoredSource): Promise<boolean> {
    const set = { status: VariantsStatus.Failed, sourceStorageKey: source.storageKey };
    await this.variants.updateOne({ sourceId: source._id }, { $set: set }, { upsert: true }).exec();
    return this.keptUnlessPurged(source);
  }

  /**
   * A purge deletes the source, then its variants; a variants job writes its variants, then checks the source
   * here. Whichever order they interleave in, a variants document written for purged bytes is deleted by one
   * of them, so none is left behind pointing at nothing. "These bytes": the same _id with another storageKey is
   * the same image stored again after the purge, whose own variants job makes its own.
   */
  private async keptUnlessPurged(source: StoredSource): Promise<boolean> {
    // By _id alone, compared here: with storageKey in the filter FerretDB would scan every source.
    const current = await this.sources.findById(source._id, { storageKey: 1 }).lean().exec();
    if (current?.storageKey === source.storageKey) return true;
    await this.variants.deleteOne({ sourceId: source._id, ...madeFrom(source) }).exec();
    return false;
  }

  /** One-way: there is no way to clear it. */
  async markNsfw(id: Types.ObjectId): Promise<void> {
    await this.sources.updateOne({ _id: id }, { $set: { nsfw: true } }).exec();
  }
}
