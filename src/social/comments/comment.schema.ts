import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

export const COMMENT_MAX_LENGTH = 2000;

/** A comment on a post; counts.comments is derived from these. Deleting removes it. */
@Schema({ collection: 'comments', timestamps: { createdAt: true, updatedAt: false } })
export class Comment {
  @Prop({ required: true, type: Types.ObjectId })
  sharedFileId!: Types.ObjectId;

  /** The author. */
  @Prop({ required: true, type: Types.ObjectId })
  userId!: Types.ObjectId;

  @Prop({ required: true, maxlength: COMMENT_MAX_LENGTH })
  body!: string;

  createdAt!: Date;
}

export type CommentDocument = HydratedDocument<Comment>;
export const CommentSchema = SchemaFactory.createForClass(Comment);
/** GET /files/:key/comments, oldest first (keyset on _id), and a post's comment count. */
CommentSchema.index({ sharedFileId: 1, _id: 1 });
/** A user's own comments, oldest first: the account export and deletion. */
CommentSchema.index({ userId: 1, _id: 1 });
