import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, SchemaTypes, type Types } from 'mongoose';

/**
 * One upload counted against its user's monthly quota (a reservation, made before the bytes are stored and
 * deleted again if the upload fails). Inserted, marked granted by the request that inserted it, deleted: never
 * written by two requests, see UploadQuotaService.
 */
@Schema({ collection: 'upload_usage', versionKey: false })
export class UploadUsage {
  @Prop({ type: SchemaTypes.ObjectId, required: true })
  userId!: Types.ObjectId;

  /** The calendar month (UTC) it counts in, `2026-12`. */
  @Prop({ required: true })
  month!: string;

  @Prop({ required: true })
  bytes!: number;

  /** Set once its reservation stood; undecided rows make a reservation at the same moment try again. */
  @Prop({ required: true, default: false })
  granted!: boolean;

  @Prop({ required: true, default: () => new Date() })
  createdAt!: Date;
}

export type UploadUsageDocument = HydratedDocument<UploadUsage>;
export const UploadUsageSchema = SchemaFactory.createForClass(UploadUsage);
/** Serves the sum of a user's month (every upload, and /me) and removing a deleted account's rows. */
UploadUsageSchema.index({ userId: 1, month: 1 });
