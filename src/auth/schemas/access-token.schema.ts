import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Types } from 'mongoose';
import { TOKEN_SCOPES, type TokenScope } from '../../common/auth/token-scope';

/** An opaque bearer token. Only its SHA-256 is stored; revoking deletes the document. */
@Schema({ collection: 'access_tokens', timestamps: { createdAt: true, updatedAt: false } })
export class AccessToken {
  /** Lists a user's tokens (GET /me/tokens) and revokes them all when the user is disabled. */
  @Prop({ required: true, type: Types.ObjectId, index: true })
  userId!: Types.ObjectId;

  @Prop({ required: true })
  name!: string;

  /** Serves every authenticated request: the lookup by hash of the presented token. */
  @Prop({ required: true, unique: true })
  tokenHash!: string;

  /** What the token may do; tokens stored before scopes existed read as full. */
  @Prop({ type: [{ type: String, enum: TOKEN_SCOPES }], default: () => ['full'] })
  scopes!: TokenScope[];

  @Prop({ type: Date, default: null })
  lastUsedAt!: Date | null;

  createdAt!: Date;
}

export type AccessTokenDocument = HydratedDocument<AccessToken>;
export const AccessTokenSchema = SchemaFactory.createForClass(AccessToken);
