import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * The stored bytes of an image, content-addressed: identical uploads share one source file. refCount counts the
 * posts (shared files) that hold a reference (not yet released); the bytes are purged when it reaches zero. It is
 * kept by $inc as posts come and go, and derived again from the posts by the reference audit
 * (SourceReferencesSweeper). Its variants live in their own collection, so the job that makes them never writes
 * this document while uploads change refCount.
 */
@Schema({ collection: 'source_files', timestamps: true })
export class SourceFile {
  /** Hex SHA-256 of the stored bytes; unique, so concurrent identical uploads settle on one document. */
  @Prop({ required: true, unique: true })
  sha256!: string;

  /** Opaque key in the storage driver (random, so a purge never races a re-upload of the same bytes). */
  @Prop({ required: true })
  storageKey!: string;

  @Prop({ required: true }) contentType!: string;
  @Prop({ required: true }) size!: number;
  @Prop({ required: true }) width!: number;
  @Prop({ required: true }) height!: number;
  @Prop({ required: true, default: 1 }) frames!: number;

  @Prop({ required: true, default: 0 })
  refCount!: number;

  /** One-way: once set it stays, so it follows every save of the image. */
  @Prop({ default: false })
  nsfw!: boolean;

  createdAt!: Date;
  updatedAt!: Date;
}

export type SourceFileDocument = HydratedDocument<SourceFile>;
export const SourceFileSchema = SchemaFactory.createForClass(SourceFile);
