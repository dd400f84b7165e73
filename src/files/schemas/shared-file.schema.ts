import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

@Schema({ _id: false })
export class FileCounters {
  @Prop({ default: 0 }) likes!: number;
  @Prop({ default: 0 }) saves!: number;
  @Prop({ default: 0 }) views!: number;
  @Prop({ default: 0 }) comments!: number;
}

const FileCountersSchema = SchemaFactory.createForClass(FileCounters);

/** A post: one user's sharing of a source file, with its own share key, words and counters. */
@Schema({ collection: 'shared_files', timestamps: true })
export class SharedFile {
  /** Serves every /files/:key route; unique (collisions are retried). */
  @Prop({ required: true, unique: true })
  key!: string;

  @Prop({ required: true, type: Types.ObjectId, index: true })
  sourceId!: Types.ObjectId;

  /** Serves a user's files and ownership checks. */
  @Prop({ required: true, type: Types.ObjectId, index: true })
  userId!: Types.ObjectId;

  /** The shake it was posted to. */
  @Prop({ required: true, type: Types.ObjectId })
  shakeId!: Types.ObjectId;

  @Prop({ default: '' }) title!: string;
  @Prop({ default: '' }) description!: string;
  @Prop({ default: '' }) altText!: string;

  /** For a saved copy: the post it was saved from, and the original at the root of the chain. */
  @Prop({ type: Types.ObjectId, default: null }) parentId!: Types.ObjectId | null;
  @Prop({ type: Types.ObjectId, default: null }) originalId!: Types.ObjectId | null;

  @Prop({ type: FileCountersSchema, default: () => ({}) })
  counts!: FileCounters;

  /** Soft delete: set once, the post disappears from every listing at once. */
  @Prop({ type: Date, default: null })
  deletedAt!: Date | null;

  /** Set by the job that gave back this post's reference to its source file, so a retry never gives it twice. */
  @Prop({ default: false })
  sourceReleased!: boolean;

  createdAt!: Date;
  updatedAt!: Date;
}

export type SharedFileDocument = HydratedDocument<SharedFile>;
export const SharedFileSchema = SchemaFactory.createForClass(SharedFile);
/** A shake's files, newest first (keyset by _id). */
SharedFileSchema.index({ shakeId: 1, _id: -1 });
