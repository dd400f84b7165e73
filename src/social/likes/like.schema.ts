import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/** The fact that a user likes a post; counts.likes is derived from these. Unliking deletes it. */
@Schema({ collection: 'likes', timestamps: { createdAt: true, updatedAt: false } })
export class Like {
  @Prop({ required: true, type: Types.ObjectId })
  userId!: Types.ObjectId;

  @Prop({ required: true, type: Types.ObjectId })
  sharedFileId!: Types.ObjectId;

  createdAt!: Date;
}

export type LikeDocument = HydratedDocument<Like>;
export const LikeSchema = SchemaFactory.createForClass(Like);
/** One like per user and post (concurrent PUTs: the index decides); serves unlike. */
LikeSchema.index({ userId: 1, sharedFileId: 1 }, { unique: true });
/** A post's like count. */
LikeSchema.index({ sharedFileId: 1 });
/** GET /users/:username/likes: newest like first (keyset on _id). */
LikeSchema.index({ userId: 1, _id: -1 });
