import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';
import { Role } from '../../common/auth/role';

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

  /** Opted in to seeing NSFW files in the streams (PATCH /me); off for everyone until they say so. */
  @Prop({ default: false })
  showNsfw!: boolean;

  createdAt!: Date;
  updatedAt!: Date;
}

export type UserDocument = HydratedDocument<User>;
export const UserSchema = SchemaFactory.createForClass(User);
