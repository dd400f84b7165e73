import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

export enum NotificationType {
  Follow = 'follow',
  Like = 'like',
  Save = 'save',
  Comment = 'comment',
  Mention = 'mention',
}

export type NotificationMailOutcome = 'sent' | 'digest' | 'none';

/** Something that happened to a user's shake or file, written by a job, newest first in their list. */
@Schema({ collection: 'notifications', timestamps: { createdAt: true, updatedAt: false } })
export class Notification {
  @Prop({ required: true, type: Types.ObjectId })
  recipientId!: Types.ObjectId;

  @Prop({ required: true, enum: NotificationType })
  type!: NotificationType;

  /** Who did it. */
  @Prop({ required: true, type: Types.ObjectId })
  actorId!: Types.ObjectId;

  /** What it happened to: the followed shake; the liked, saved or commented file; the comment. */
  @Prop({ type: Types.ObjectId, default: null })
  shakeId!: Types.ObjectId | null;

  @Prop({ type: Types.ObjectId, default: null })
  fileId!: Types.ObjectId | null;

  @Prop({ type: Types.ObjectId, default: null })
  commentId!: Types.ObjectId | null;

  /** The follow, like, post or comment this tells of (null on notifications older than the field). */
  @Prop({ type: Types.ObjectId, default: null })
  factId!: Types.ObjectId | null;

  /** type, actor and subject in one string: the same event for the same recipient is stored once. */
  @Prop({ required: true })
  dedupeKey!: string;

  @Prop({ type: Date, default: null })
  readAt!: Date | null;

  /**
   * What became of its mail (follows, comments, mentions), set by its notifications/mail job: `sent` (queued to
   * go out), `digest` (kept for the recipient's daily digest), `none` (opted out, or nothing left to tell).
   */
  @Prop({ type: String, enum: ['sent', 'digest', 'none'], default: null })
  mailedAs!: NotificationMailOutcome | null;

  createdAt!: Date;
}

export type NotificationDocument = HydratedDocument<Notification>;
export const NotificationSchema = SchemaFactory.createForClass(Notification);
/** At most one notification per event and recipient: concurrent or retried jobs cannot notify twice. */
NotificationSchema.index({ recipientId: 1, dedupeKey: 1 }, { unique: true });
/** A user's notifications, newest first (keyset on _id). */
NotificationSchema.index({ recipientId: 1, _id: -1 });
/** The unread count, and marking read up to a position. */
NotificationSchema.index({ recipientId: 1, readAt: 1, _id: -1 });
/** Removing an account: the notifications telling others of what it did, and those about its posts. */
NotificationSchema.index({ actorId: 1 });
NotificationSchema.index({ fileId: 1 });
/** The digest: one UTC day's notifications kept for it ({mailedAs: 'digest', _id in the day}). */
NotificationSchema.index({ mailedAs: 1, _id: 1 });
