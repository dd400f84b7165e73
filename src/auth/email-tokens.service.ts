import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { InvalidInputError } from '../common/errors/domain-errors';
import { normaliseEmail } from '../users/users.service';
import { EmailToken, type EmailTokenDocument, EmailTokenPurpose } from './schemas/email-token.schema';

/** mle_ and 32 random bytes in base64url: as unguessable as an access token, told apart from one at a glance. */
const newEmailSecret = (): string => `mle_${randomBytes(32).toString('base64url')}`;
const hashOf = (secret: string): string => createHash('sha256').update(secret).digest('hex');

/** Mailed single-use secrets for verification and password reset (indexes: tokenHash unique, userId, expiresAt). */
@Injectable()
export class EmailTokensService {
  constructor(@InjectModel(EmailToken.name) private readonly tokens: Model<EmailToken>) {}

  /**
   * A new token for one purpose; the user's earlier ones for that purpose stop working, so only the latest
   * mail's link does (for a token of nobody, the earlier ones for the same address go). Expired tokens of
   * anyone are deleted on the way.
   */
  async issue(
    purpose: EmailTokenPurpose,
    userId: Types.ObjectId | null,
    email: string,
    ttlMs: number,
  ): Promise<{ token: EmailTokenDocument; secret: string }> {
    const now = new Date();
    await this.tokens.deleteMany({ expiresAt: { $lte: now } });
    await this.tokens.deleteMany(userId ? { userId, purpose } : { userId: null, purpose, email: normaliseEmail(email) });
    const secret = newEmailSecret();
    const token = await this.tokens.create({
      userId,
      purpose,
      email: normaliseEmail(email),
      tokenHash: hashOf(secret),
      expiresAt: new Date(now.getTime() + ttlMs),
    });
    return { token, secret };
  }

  /**
   * Uses a token up: deleting it is what makes it single-use (of two concurrent uses only one deletes it).
   * A wrong, used or expired token is a 400 with a message saying what to do.
   */
  async consume(purpose: EmailTokenPurpose, secret: string): Promise<EmailTokenDocument & { userId: Types.ObjectId }> {
    const token = await this.tokens.findOne({ tokenHash: hashOf(secret), purpose }).exec();
    if (!token || !token.userId) throw new InvalidInputError('This link is not valid or was already used');
    const { deletedCount } = await this.tokens.deleteOne({ _id: token._id });
    if (deletedCount !== 1) throw new InvalidInputError('This link is not valid or was already used');
    if (token.expiresAt.getTime() <= Date.now()) throw new InvalidInputError('This link has expired: ask for a new one');
    return token as EmailTokenDocument & { userId: Types.ObjectId };
  }

  /** After a password reset, any other reset link of the account stops working. */
  async revokeAll(userId: Types.ObjectId, purpose: EmailTokenPurpose): Promise<void> {
    await this.tokens.deleteMany({ userId, purpose });
  }

  /** Every token of an account being removed, and the stand-ins a reset request for its address left. */
  async forget(userId: Types.ObjectId, email: string): Promise<void> {
    await this.tokens.deleteMany({ userId }).exec();
    await this.tokens.deleteMany({ email: normaliseEmail(email) }).exec();
  }
}
