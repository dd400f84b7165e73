import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';

export enum EmailTokenPurpose {
  /** Proves the account's address (a new account's, or the new address of an email change) is its owner's. */
  VerifyEmail = 'verify-email',
  PasswordReset = 'password-reset',
}

/**
 * A secret that was mailed: only its SHA-256 is stored, it works once (using it deletes it) and until
 * expiresAt, checked in code (FerretDB has no TTL indexes); expired ones are deleted whenever a new one is made.
 */
@Schema({ collection: 'email_tokens', timestamps: { createdAt: true, updatedAt: false } })
export class EmailToken {
  /** Null for the stand-in a reset request for an unknown address writes, so both cost the same; never usable. */
  @Prop({ type: Types.ObjectId, default: null, index: true })
  userId!: Types.ObjectId | null;

  @Prop({ type: String, required: true, enum: EmailTokenPurpose })
  purpose!: EmailTokenPurpose;

  /** The address the token was mailed to: for verification, the one it verifies. */
  @Prop({ required: true })
  email!: string;

  /** Serves every use of a mailed link: the lookup by hash of the presented secret. */
  @Prop({ required: true, unique: true })
  tokenHash!: string;

  /** Serves the clean-up of expired tokens. */
  @Prop({ required: true, index: true })
  expiresAt!: Date;

  createdAt!: Date;
}

export type EmailTokenDocument = HydratedDocument<EmailToken>;
export const EmailTokenSchema = SchemaFactory.createForClass(EmailToken);
