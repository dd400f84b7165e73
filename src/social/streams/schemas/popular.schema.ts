import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/**
 * One ranking of the popular stream, taken by the popular-snapshot job. Written after all its entries, so the
 * newest snapshot is always complete.
 */
@Schema({ collection: 'popular_snapshots', timestamps: false })
export class PopularSnapshot {
  @Prop({ required: true, type: Date })
  takenAt!: Date;

  @Prop({ required: true })
  size!: number;
}

/** A post's place in one snapshot. */
@Schema({ collection: 'popular_entries', timestamps: false })
export class PopularEntry {
  @Prop({ required: true, type: Types.ObjectId })
  snapshotId!: Types.ObjectId;

  /** 1 for the highest score. */
  @Prop({ required: true })
  rank!: number;

  @Prop({ required: true, type: Types.ObjectId })
  sharedFileId!: Types.ObjectId;

  @Prop({ required: true })
  score!: number;
}

export type PopularSnapshotDocument = HydratedDocument<PopularSnapshot>;
export type PopularEntryDocument = HydratedDocument<PopularEntry>;
export const PopularSnapshotSchema = SchemaFactory.createForClass(PopularSnapshot);
export const PopularEntrySchema = SchemaFactory.createForClass(PopularEntry);
/** GET /popular: a snapshot's entries by rank (keyset on rank); removing an old snapshot's entries. */
PopularEntrySchema.index({ snapshotId: 1, rank: 1 });
