import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

export enum VariantsStatus {
  /** Written with the source, before its bytes: the variants are owed (the files sweeper finds them by this). */
  Pending = 'pending',
  Ready = 'ready',
  /** The image could not be decoded; the job is not retried. */
  Failed = 'failed',
}

@Schema({ _id: false })
export class StoredVariant {
  @Prop({ required: true }) storageKey!: string;
  @Prop({ required: true }) contentType!: string;
  @Prop({ required: true }) size!: number;
  @Prop({ required: true }) width!: number;
  @Prop({ required: true }) height!: number;
}

const StoredVariantSchema = SchemaFactory.createForClass(StoredVariant);

/** The resized renditions of a source file, written by the variants job; pending (or absent) until then. */
@Schema({ collection: 'file_variants', timestamps: true })
export class VariantSet {
  /** One set per source file; serves the thumbnail route. */
  @Prop({ required: true, type: Types.ObjectId, unique: true })
  sourceId!: Types.ObjectId;

  @Prop({ required: true, enum: VariantsStatus })
  status!: VariantsStatus;

  /**
   * The storageKey of the source bytes these were made from: a source purged and uploaded again keeps its _id
   * (it comes from the hash) but not its storageKey. Absent on sets made before it was recorded, whose sources
   * have random ids that are never reused.
   */
  @Prop({ type: String })
  sourceStorageKey?: string;

  @Prop({ type: StoredVariantSchema })
  thumbnail?: StoredVariant;

  @Prop({ type: StoredVariantSchema })
  small?: StoredVariant;
}

export type VariantSetDocument = HydratedDocument<VariantSet>;
export const VariantSetSchema = SchemaFactory.createForClass(VariantSet);
/** The files sweeper: variants still owed, oldest first. */
VariantSetSchema.index({ status: 1, _id: 1 });
