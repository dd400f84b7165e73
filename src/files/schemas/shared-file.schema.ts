import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

@Schema({ _id: false })
export class FileCounters {
  @Prop({ default: 0 }) likes!: number;
  @Prop({ default: 0 }) saves!: number;
  /** Views folded before post_views existed (see PostViews); never written now. */
  @Prop({ default: 0 }) views!: number;
  @Prop({ default: 0 }) comments!: number;
}

const FileCountersSchema = SchemaFactory.createForClass(FileCounters);

/** When each derived counter was last counted, so that a stale count never overwrites a fresher one. */
@Schema({ _id: false })
export class FileCountTimes {
  @Prop({ type: Date, default: null }) likes!: Date | null;
  @Prop({ type: Date, default: null }) saves!: Date | null;
  @Prop({ type: Date, default: null }) comments!: Date | null;
}

const FileCountTimesSchema = SchemaFactory.createForClass(FileCountTimes);

/** The counters the social jobs derive from facts (views are folded from Redis into post_views instead). */
export type DerivedCounter = keyof FileCountTimes;

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
  /**
   * For a saved copy: the share key of the post it was saved from. Share keys never change, so a copy shows its
   * `savedFrom` without a lookup (null on originals, and on copies made before this field existed).
   */
  @Prop({ type: String, default: null }) savedFromKey!: string | null;
  /** The name the uploader's file had (an original only; null on copies and on posts from before); for the account export. */
  @Prop({ type: String, default: null }) fileName!: string | null;

  @Prop({ type: FileCountersSchema, default: () => ({}) })
  counts!: FileCounters;

  @Prop({ type: FileCountTimesSchema, default: () => ({}) })
  countedAt!: FileCountTimes;

  /** Lower-cased #words of the description, kept on create and edit (see tags.ts). */
  @Prop({ type: [String], default: [] })
  tags!: string[];

  /**
   * A copy of the source file's one-way flag, so the public streams can leave NSFW posts out with an index:
   * set from the source when the post is made, and on every post of the source when it is marked.
   */
  @Prop({ default: false })
  nsfw!: boolean;

  /** When this original reached the magic number of likes; set once, never cleared. */
  @Prop({ type: Date, default: null })
  magicAt!: Date | null;

  /**
   * "<userId>:<parentId>" for a live saved copy, the post's own id otherwise (originals, deleted posts).
   * Unique: one live save per user and post even under concurrent requests. (A partial unique index would say
   * this directly, but FerretDB 1.x has none, and a plain unique index on {userId, parentId} would refuse a
   * user's second original, whose parentId is null too.)
   */
  @Prop({
    required: true,
    unique: true,
    default: function (this: { _id: Types.ObjectId }) {
      return this._id.toHexString();
    },
  })
  saveKey!: string;

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
/** A shake's posts (a shake's timeline itself is read from shake_entries). */
SharedFileSchema.index({ shakeId: 1, _id: -1 });
/** GET /incoming ({originalId: null, nsfw: false, deletedAt: null}, newest first), popular's candidates, and an original's saves down its chain. */
SharedFileSchema.index({ originalId: 1, nsfw: 1, deletedAt: 1, _id: -1 });
/** A copy's direct saves. */
SharedFileSchema.index({ parentId: 1 });
/** GET /magic: magicAt newest first, _id breaking ties. */
SharedFileSchema.index({ magicAt: -1, _id: -1 });
/** The files sweeper: deleted posts whose bytes were not released yet. */
SharedFileSchema.index({ sourceReleased: 1, deletedAt: 1 });
/** GET /tags/:tag (multikey): originals with the tag, newest first. */
SharedFileSchema.index({ tags: 1, originalId: 1, deletedAt: 1, _id: -1 });

export const saveKeyOf = (userId: Types.ObjectId, parentId: Types.ObjectId): string => `${userId.toHexString()}:${parentId.toHexString()}`;
