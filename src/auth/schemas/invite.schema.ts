import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

/** An invite code for REGISTRATION=invite: only its SHA-256 is stored; usable `maxUses` times until it expires. */
@Schema({ collection: 'invites', timestamps: { createdAt: true, updatedAt: false } })
export class Invite {
  /** Serves every registration with an invite: the lookup by hash of the presented code. */
  @Prop({ required: true, unique: true })
  codeHash!: string;

  @Prop({ required: true, type: Types.ObjectId })
  createdBy!: Types.ObjectId;

  @Prop({ required: true, min: 1 })
  maxUses!: number;

  @Prop({ required: true, default: 0 })
  uses!: number;

  @Prop({ required: true })
  expiresAt!: Date;

  createdAt!: Date;
}

export type InviteDocument = HydratedDocument<Invite>;
export const InviteSchema = SchemaFactory.createForClass(Invite);
