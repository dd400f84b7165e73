import { Inject, Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, type Types } from 'mongoose';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ImageInspection } from './images/image-inspector';
import { SourceFile, type SourceFileDocument } from './schemas/source-file.schema';
import { type StoredVariant, VariantSet, type VariantSetDocument, VariantsStatus } from './schemas/variant-set.schema';
import { STORAGE_DRIVER, type StorageDriver } from './storage/storage-driver';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';

export interface NewSourceBytes {
  sha256: string;
  size: number;
  inspection: ImageInspection;
  /** Opens the bytes to store; called only when no identical source exists yet. */
  open(): Readable;
}

/**
 * Content-addressed source files, their reference counts and their variants (indexes: source_files sha256
 * unique; file_variants sourceId unique).
 *
 * A reference is taken by an atomic $inc on the document of that hash, and a source is purged only by an
 * atomic delete conditioned on refCount 0; so a re-upload racing a purge either revives the document (and the
 * purge stops) or finds none and stores the bytes again under a new random key.
 */
@Injectable()
export class SourceFilesService {
  constructor(
    @InjectModel(SourceFile.name) private readonly sources: Model<SourceFile>,
    @InjectModel(VariantSet.name) private readonly variants: Model<VariantSet>,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
  ) {}

  /** Returns the source file for these bytes with one more reference, storing them only if they are new. */
  async acquire(bytes: NewSourceBytes): Promise<{ source: SourceFileDocument; created: boolean }> {
    for (;;) {
      const existing = await this.sources
        .findOneAndUpdate({ sha256: bytes.sha256 }, { $inc: { refCount: 1 } }, { new: true })
        .exec();
      if (existing) return { source: existing, created: false };

      const storageKey = `src-${randomUUID()}`;
      await this.storage.write(storageKey, bytes.open(), { contentType: bytes.inspection.type });
      try {
        const source = await this.sources.create({
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
        if (!isDuplicateKeyError(error)) throw error;
        // An identical upload won the race: take a reference to its source instead.
      }
    }
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
   * returns the storage keys whose objects must now be deleted.
   */
  async release(sourceId: Types.ObjectId): Promise<string[]> {
    const source = await this.sources.findOneAndUpdate({ _id: sourceId }, { $inc: { refCount: -1 } }, { new: true }).exec();
    if (!source || source.refCount > 0) return [];
    const purged = await this.sources.findOneAndDelete({ _id: sourceId, refCount: { $lte: 0 } }).exec();
    if (!purged) return [];
    const variants = await this.variants.findOneAndDelete({ sourceId }).exec();
    return [purged.storageKey, variants?.thumbnail?.storageKey, variants?.small?.storageKey].filter(
      (key): key is string => key !== undefined,
    );
  }

  findById(id: Types.ObjectId): Promise<SourceFileDocument | null> {
    return this.sources.findById(id).exec();
  }

  findByIds(ids: Types.ObjectId[]): Promise<SourceFileDocument[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.sources.find({ _id: { $in: ids } }).exec();
  }

  /** null while the variants are still being made. */
  findVariants(sourceId: Types.ObjectId): Promise<VariantSetDocument | null> {
    return this.variants.findOne({ sourceId }).exec();
  }

  /**
   * Stores what the variants job made. False when the source was purged while the job worked: the document just
   * written is removed again, and the caller deletes the objects it stored (see keptUnlessPurged).
   */
  async setVariants(sourceId: Types.ObjectId, made: { thumbnail: StoredVariant; small: StoredVariant }): Promise<boolean> {
    await this.variants
      .updateOne({ sourceId }, { $set: { ...made, status: VariantsStatus.Ready } }, { upsert: true })
      .exec();
    return this.keptUnlessPurged(sourceId);
  }

  /** False, as for setVariants, when the source was purged meanwhile. */
  async markVariantsFailed(sourceId: Types.ObjectId): Promise<boolean> {
    await this.variants.updateOne({ sourceId }, { $set: { status: VariantsStatus.Failed } }, { upsert: true }).exec();
    return this.keptUnlessPurged(sourceId);
  }

  /**
   * A purge deletes the source, then its variants; a variants job writes its variants, then checks the source
   * here. Whichever order they interleave in, a variants document written for a purged source is deleted by one
   * of them, so none is left behind pointing at nothing.
   */
  private async keptUnlessPurged(sourceId: Types.ObjectId): Promise<boolean> {
    if (await this.sources.exists({ _id: sourceId })) return true;
    await this.variants.deleteOne({ sourceId }).exec();
    return false;
  }

  /** One-way: there is no way to clear it. */
  async markNsfw(id: Types.ObjectId): Promise<void> {
    await this.sources.updateOne({ _id: id }, { $set: { nsfw: true } }).exec();
  }
}
