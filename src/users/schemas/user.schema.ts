import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';
import { Role } from '../../common/auth/role';

/** Which notifications a user is mailed about, and whether as they happen or in one mail a day (PATCH /me). */
@Schema({ _id: false })
export class NotificationMailSettings {
  @Prop({ default: true }) follow!: boolean;
  @Prop({ default: true }) comment!: boolean;
  @Prop({ default: true }) mention!: boolean;
  /** One mail a day (the UTC day's events) instead of one per event. */
  @Prop({ default: false }) digest!: boolean;
}
export const NotificationMailSettingsSchema = SchemaFactory.createForClass(NotificationMailSettings);
export const DEFAULT_NOTIFICATION_MAIL: NotificationMailSettings = { follow: true, comment: true, mention: true, digest: false };

@Schema({ collection: 'users', timestamps: true })
export class User {
  /** As registered, shown everywhere. */
  @Prop({ required: true })
  username!: string;

  /** Serves login by name and GET /users/:username; unique so that "Alice" and "alice" cannot both exist. */
  @Prop({ required: true, unique: true })
  usernameLower!: string;

  /** Normalised (trimmed, lower-cased); serves login by email; unique. */
  @Prop({ required: true, unique: true })
  email!: string;

  @Prop({ required: true })
  passwordHash!: string;

  /**
   * Whether the owner of `email` confirmed it. Registration stores false; accounts from before verification
   * existed have no such field and read as verified (the default), as do accounts made with the CLI.
   */
  @Prop({ default: true })
  emailVerified!: boolean;

  @Prop({ type: String, required: true, enum: Role, default: Role.User })
  role!: Role;

  @Prop({ default: false })
  disabled!: boolean;

  /** Set when the owner asked to delete the account (DELETE /me), which disabled it; signing in within the grace clears both. */
  @Prop({ type: Date })
  deletionRequestedAt?: Date;

  /**
   * Set when the account's removal started (its grace period ran out, or an admin deleted it): from then on
   * nothing cancels it, and the account/remove job deletes everything of it, this document last.
   */
  @Prop({ type: Date })
  removingSince?: Date;

  /** Opted in to seeing NSFW files in the streams (PATCH /me); off for everyone until they say so. */
  @Prop({ default: false })
  showNsfw!: boolean;

  /** Absent on accounts from before notification mail: read through notificationMailOf, which fills in the defaults. */
  @Prop({ type: NotificationMailSettingsSchema, default: () => ({ ...DEFAULT_NOTIFICATION_MAIL }) })
  notificationMail?: NotificationMailSettings;

  createdAt!: Date;
  updatedAt!: Date;
}

export type UserDocument = HydratedDocument<User>;
export const UserSchema = SchemaFactory.createForClass(User);
/** The account sweep: deletion requests whose grace period is over (most users have none). */
UserSchema.index({ deletionRequestedAt: 1 });
/** The account sweep: removals that started and did not finish. */
UserSchema.index({ removingSince: 1 });

/** A user's notification mail settings, the defaults where none are stored. */
export function notificationMailOf({ notificationMail: stored }: Pick<User, 'notificationMail'>): NotificationMailSettings {
  const d = DEFAULT_NOTIFICATION_MAIL;
  return {
    follow: stored?.follow ?? d.follow,
    comment: stored?.comment ?? d.comment,
    mention: stored?.mention ?? d.mention,
    digest: stored?.digest ?? d.digest,
  };
}
