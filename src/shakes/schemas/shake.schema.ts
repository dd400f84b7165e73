import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

export enum ShakeType {
  User = 'user',
  Group = 'group',
}

@Schema({ collection: 'shakes', timestamps: true })
export class Shake {
  /** As its owner typed it; shown in URLs. */
  @Prop({ required: true })
  name!: string;

  /**
   * Lower-cased name. Unique across user and group shakes: since every user has a user shake named after
   * them, this one index keeps usernames and group shake names in a single case-insensitive namespace.
   */
  @Prop({ required: true, unique: true })
  nameLower!: string;

  @Prop({ required: true, enum: ShakeType })
  type!: ShakeType;

  @Prop({ required: true, type: Types.ObjectId })
  ownerId!: Types.ObjectId;

  @Prop({ required: true })
  title!: string;

  @Prop({ default: '' })
  description!: string;

  @Prop({ type: [Types.ObjectId], default: [] })
  managerIds!: Types.ObjectId[];

  /** Kept by the social jobs from the Follow facts; never written by a request. */
  @Prop({ default: 0 })
  followerCount!: number;

  /**
   * When the count above was taken. Two count jobs for one shake may finish out of order (several
   * workers); a job only writes a count taken later than the stored one, so a slow, stale count never
   * overwrites a fresher one.
   */
  @Prop({ type: Date, default: () => new Date(0) })
  followerCountAt!: Date;

  /** Kept by the social jobs from the ShakeEntry facts (live posts in this shake); never written by a request. */
  @Prop({ default: 0 })
  fileCount!: number;

  /** When fileCount was taken (see followerCountAt). */
  @Prop({ type: Date, default: () => new Date(0) })
  fileCountAt!: Date;

  createdAt!: Date;
  updatedAt!: Date;
}

export type ShakeDocument = HydratedDocument<Shake>;
export const ShakeSchema = SchemaFactory.createForClass(Shake);
/**
 * Serves "the user's own shake" ({ownerId, type: user}) and the per-user group shake limit
 * (count of {ownerId, type: group}). On MongoDB a partial unique index on ownerId for type "user" would
 * also enforce one user shake per user, but FerretDB 1.x refuses partialFilterExpression ("not implemented")
 * and silently ignores sparse; that rule is held by registration instead (one user shake named after the
 * user, whose name the unique nameLower index guards).
 */
ShakeSchema.index({ ownerId: 1, type: 1 });
/** The shakes a user manages (multikey), when their account is removed. */
ShakeSchema.index({ managerIds: 1 });
