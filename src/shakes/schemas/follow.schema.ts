import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/**
 * The fact that a user follows a shake; followerCount is derived from these. Unfollowing deletes it, so a
 * re-follow is a new fact with a new _id (and shows as the newest follower).
 */
@Schema({ collection: 'follows', timestamps: { createdAt: true, updatedAt: false } })
export class Follow {
  @Prop({ required: true, type: Types.ObjectId })
  followerId!: Types.ObjectId;

  @Prop({ required: true, type: Types.ObjectId })
  shakeId!: Types.ObjectId;

  createdAt!: Date;
}

export type FollowDocument = HydratedDocument<Follow>;
export const FollowSchema = SchemaFactory.createForClass(Follow);
/** One follow per user and shake (concurrent PUTs: the index decides); serves "do I follow it" and unfollow. */
FollowSchema.index({ followerId: 1, shakeId: 1 }, { unique: true });
/** A shake's followers, newest first (keyset on _id), and the follower count of a shake. */
FollowSchema.index({ shakeId: 1, _id: -1 });
/** The shakes a user follows, newest first (keyset on _id). */
FollowSchema.index({ followerId: 1, _id: -1 });
