import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Types } from 'mongoose';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { MAIL_JOB_IDS, type MailJob } from '../jobs/queues';
import { MailQueue } from '../mail/mail.queue';
import type { UserDocument } from '../users/schemas/user.schema';
import { UsersService } from '../users/users.service';
import { EmailTokensService } from './email-tokens.service';
import { hashPassword, verifyPassword } from './password-hasher';
import { EmailTokenPurpose } from './schemas/email-token.schema';
import { TokensService } from './tokens.service';

const MINUTE_MS = 60_000;

/** Resetting a forgotten password by mail, and changing it while signed in. */
@Injectable()
export class PasswordsService {
  private readonly logger = new Logger(PasswordsService.name);
  private readonly resetEnabled: boolean;
  private readonly resetTtlMs: number;

  constructor(
    private readonly users: UsersService,
    private readonly emailTokens: EmailTokensService,
    private readonly tokens: TokensService,
    private readonly mail: MailQueue,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.resetEnabled = config.get('PASSWORD_RESET_ENABLED', { infer: true });
    this.resetTtlMs = config.get('PASSWORD_RESET_TTL_MINUTES', { infer: true }) * MINUTE_MS;
  }

  /**
   * Answers the same whether or not an account has this address, after the same work: a token is made and
   * stored either way (for an unknown address, one that belongs to nobody and can never be used), and only
   * the mail differs, queued without letting a failure show.
   */
  async requestReset(email: string): Promise<void> {
    if (!this.resetEnabled) throw new NotFoundError('Password reset is turned off on this site');
    const user = await this.users.findByEmail(email);
    const account = user && !user.disabled ? user : null;
    const { token, secret } = await this.emailTokens.issue(EmailTokenPurpose.PasswordReset, account?._id ?? null, email, this.resetTtlMs);
    if (!account) return;
    await this.notify(MAIL_JOB_IDS.passwordReset(token._id.toString()), account, {
      template: 'password-reset',
      to: account.email,
      data: { username: account.username, token: secret, expiresAt: token.expiresAt.toISOString() },
    });
  }

  /** Sets the new password, signs out every device (all access tokens), and tells the account's address. */
  async confirmReset(secret: string, password: string): Promise<void> {
    if (!this.resetEnabled) throw new NotFoundError('Password reset is turned off on this site');
    const token = await this.emailTokens.consume(EmailTokenPurpose.PasswordReset, secret);
    const user = await this.users.findById(token.userId);
    if (!user || user.disabled) throw new InvalidInputError('This link is not valid or was already used');
    await this.users.setPasswordHash(user._id, await hashPassword(password));
    await this.tokens.revokeAll(user._id);
    await this.emailTokens.revokeAll(user._id, EmailTokenPurpose.PasswordReset);
    // The link reached the account's address, which proves it as a verification link would.
    if (!user.emailVerified && token.email === user.email) await this.users.setEmail(user._id, user.email, true);
    await this.notify(MAIL_JOB_IDS.passwordChanged(user._id.toString(), `reset-${token._id.toString()}`), user, {
      template: 'password-changed',
      to: user.email,
      data: { username: user.username, how: 'reset' },
    });
  }

  /** Signed in: needs the current password; every other device is signed out, the one asking stays. */
  async change(userId: Types.ObjectId, tokenId: Types.ObjectId, currentPassword: string, newPassword: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('No such user');
    if (!(await verifyPassword(currentPassword, user.passwordHash))) throw new ForbiddenError('The current password is wrong');
    await this.users.setPasswordHash(user._id, await hashPassword(newPassword));
    await this.tokens.revokeAllExcept(user._id, tokenId);
    await this.notify(MAIL_JOB_IDS.passwordChanged(user._id.toString(), new Types.ObjectId().toHexString()), user, {
      template: 'password-changed',
      to: user.email,
      data: { username: user.username, how: 'changed' },
    });
  }

  /** The change is made: a mail that cannot be queued is logged, not turned into an error. */
  private async notify(eventKey: string, user: UserDocument, job: MailJob): Promise<void> {
    await this.mail
      .send(eventKey, job)
      .catch((error: unknown) =>
        this.logger.error({ err: error, userId: user._id.toString(), eventKey }, `could not queue the ${job.template} mail`),
      );
  }
}
