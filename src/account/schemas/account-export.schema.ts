import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

export enum ExportStatus {
  Pending = 'pending',
  Ready = 'ready',
  Failed = 'failed',
}

/** One account export: a zip built by the account/export job into storage, downloadable by its user until expiresAt. */
@Schema({ collection: 'account_exports', timestamps: { createdAt: true, updatedAt: false } })
export class AccountExport {
  @Prop({ required: true, type: Types.ObjectId })
  userId!: Types.ObjectId;

  @Prop({ type: String, enum: ExportStatus, default: ExportStatus.Pending })
  status!: ExportStatus;

  /** The stored zip's key (`export-<id>`), written before the zip so that a sweep finds half-written ones too. */
  @Prop({ required: true })
  storageKey!: string;

  @Prop({ type: Number, default: null })
  size!: number | null;

  @Prop({ type: Date, default: null })
  readyAt!: Date | null;

  /** Checked on every read (FerretDB has no TTL indexes) and swept by account/sweep. */
  @Prop({ required: true, type: Date })
  expiresAt!: Date;

  createdAt!: Date;
}

export type AccountExportDocument = HydratedDocument<AccountExport>;
export const AccountExportSchema = SchemaFactory.createForClass(AccountExport);
/** A user's exports (GET, the deletion of an account). */
AccountExportSchema.index({ userId: 1, _id: -1 });
/** The sweep of expired exports. */
AccountExportSchema.index({ expiresAt: 1 });
