import { Injectable, Logger } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { NotFoundError } from '../common/errors/domain-errors';
import { AccessToken, type AccessTokenDocument } from './schemas/access-token.schema';
import { hashTokenSecret, newTokenSecret } from './token-secret';
import type { TokenScope } from '../common/auth/token-scope';

/** Writing lastUsedAt at most this often keeps authenticated reads from each costing a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** Access tokens: issue, list, revoke, and resolve a presented secret (indexes: tokenHash unique, userId). */
@Injectable()
export class TokensService {
  private readonly logger = new Logger(TokensService.name);

  constructor(@InjectModel(AccessToken.name) private readonly tokens: Model<AccessToken>) {}

  /** Returns the stored token and the secret, which is shown once and never stored. */
  async issue(
    userId: Types.ObjectId,
    name: string,
    scopes: TokenScope[] = ['full'],
  ): Promise<{ token: AccessTokenDocument; secret: string }> {
    const secret = newTokenSecret();
    const token = await this.tokens.create({ userId, name, scopes, tokenHash: hashTokenSecret(secret) });
    return { token, secret };
  }

  list(userId: Types.ObjectId): Promise<AccessTokenDocument[]> {
    return this.tokens.find({ userId }).sort({ _id: -1 }).exec();
  }

  async revoke(userId: Types.ObjectId, tokenId: string): Promise<void> {
    const result = Types.ObjectId.isValid(tokenId)
      ? await this.tokens.deleteOne({ _id: new Types.ObjectId(tokenId), userId })
      : { deletedCount: 0 };
    if (result.deletedCount === 0) throw new NotFoundError('No such token');
  }

  async revokeAll(userId: Types.ObjectId): Promise<void> {
    await this.tokens.deleteMany({ userId });
  }

  /** Whether the token with this id still exists (it was not revoked). */
  async exists(tokenId: string): Promise<boolean> {
    return Types.ObjectId.isValid(tokenId) && (await this.tokens.exists({ _id: new Types.ObjectId(tokenId) })) !== null;
  }

  /** Signs out every other device after a password change: all tokens but the one in use. */
  async revokeAllExcept(userId: Types.ObjectId, keepTokenId: Types.ObjectId): Promise<void> {
    await this.tokens.deleteMany({ userId, _id: { $ne: keepTokenId } });
  }

  /** The stored token for a presented secret, or null; records when it was last used. */
  async resolve(secret: string): Promise<AccessTokenDocument | null> {
    const token = await this.tokens.findOne({ tokenHash: hashTokenSecret(secret) }).exec();
    if (token && (!token.lastUsedAt || Date.now() - token.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS)) {
      this.tokens
        .updateOne({ _id: token._id }, { $set: { lastUsedAt: new Date() } })
        .exec()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'could not record token use'));
    }
    return token;
  }
}
