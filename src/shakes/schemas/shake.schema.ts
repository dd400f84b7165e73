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

  @Prop({ required: true, type: Types.ObjectId, index: true })
  ownerId!: Types.ObjectId;

  @Prop({ required: true })
  title!: string;

  @Prop({ default: '' })
  description!: string;

  @Prop({ type: [Types.ObjectId], default: [] })
  managerIds!: Types.ObjectId[];

  @Prop({ default: 0 })
  followerCount!: number;

  @Prop({ default: 0 })
  fileCount!: number;

  createdAt!: Date;
  updatedAt!: Date;
}

export type ShakeDocument = HydratedDocument<Shake>;
export const ShakeSchema = SchemaFactory.createForClass(Shake);
