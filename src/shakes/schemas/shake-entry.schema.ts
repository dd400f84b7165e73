import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/**
 * A post placed in a shake: the shake's timeline, and (read across followed shakes) the home timeline.
 * Written with the post, in the same request; removed when the post is deleted. _id order is timeline order.
 */
@Schema({ collection: 'shake_entries', timestamps: { createdAt: true, updatedAt: false } })
export class ShakeEntry {
  @Prop({ required: true, type: Types.ObjectId })
  shakeId!: Types.ObjectId;

  @Prop({ required: true, type: Types.ObjectId })
  sharedFileId!: Types.ObjectId;

  /** The stored bytes, so the home timeline can show one source once without reading the posts. */
  @Prop({ required: true, type: Types.ObjectId })
  sourceId!: Types.ObjectId;

  /** Who posted it. */
  @Prop({ required: true, type: Types.ObjectId })
  userId!: Types.ObjectId;

  createdAt!: Date;
}

export type ShakeEntryDocument = HydratedDocument<ShakeEntry>;
export const ShakeEntrySchema = SchemaFactory.createForClass(ShakeEntry);
/**
 * GET /shakes/:name/files ({shakeId, _id < cursor} newest first), the home timeline ({shakeId: {$in: followed},
 * _id < cursor}: one index range per followed shake, merged in _id order) and a shake's fileCount.
 */
ShakeEntrySchema.index({ shakeId: 1, _id: -1 });
/** One entry per post and shake (a retried write cannot place it twice); removing a deleted post's entries. */
ShakeEntrySchema.index({ sharedFileId: 1, shakeId: 1 }, { unique: true });
/** The home timeline's "same source once": is there a newer entry of this source in a followed shake? */
ShakeEntrySchema.index({ sourceId: 1, shakeId: 1, _id: -1 });
