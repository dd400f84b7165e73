import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Types } from 'mongoose';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError, ServiceUnavailableError } from '../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../config/environment';
import { MAIL_JOB_IDS } from '../jobs/queues';
import { MailQueue } from '../mail/mail.queue';
import type { UserDocument } from '../users/schemas/user.schema';
import { normaliseEmail, UsersService } from '../users/users.service';
import { EmailTokensService } from './email-tokens.service';
import { verifyPassword } from './password-hasher';
import { EmailTokenPurpose } from './schemas/email-token.schema';

const HOUR_MS = 3_600_000;

/** Verifying addresses: of new accounts, on request again, and the new address of an email change. */
@Injectable()
export class EmailVerificationService {
  private readonly logger = new Logger(EmailVerificationService.name);
  private readonly enabled: boolean;
  private readonly ttlMs: number;

  constructor(
    private readonly users: UsersService,
    private readonly emailTokens: EmailTokensService,
    private readonly mail: MailQueue,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.enabled = config.get('EMAIL_VERIFICATION_ENABLED', { infer: true });
    this.ttlMs = config.get('EMAIL_VERIFICATION_TTL_HOURS', { infer: true }) * HOUR_MS;
  }

  /** After registration: a failure to queue the mail must not undo the account (it can ask again). */
  async welcome(user: UserDocument): Promise<void> {
    if (!this.enabled) return;
    await this.mailLink(user, user.email, false).catch((error: unknown) =>
      this.logger.error({ err: error, userId: user._id.toString() }, 'could not queue the verification mail'),
    );
  }

  async resend(userId: Types.ObjectId): Promise<void> {
    if (!this.enabled) throw new NotFoundError('Email verification is turned off on this site');
    const user = await this.getUser(userId);
    if (user.emailVerified) throw new ConflictError('Your email address is already verified');
    await this.mailLink(user, user.email, false).catch(unqueued);
  }

  /** The token proves the address: the account's own (verified now) or a new one (which takes effect now). */
  async verify(secret: string): Promise<string> {
    const token = await this.emailTokens.consume(EmailTokenPurpose.VerifyEmail, secret);
    const user = await this.users.findById(token.userId);
    if (!user || user.disabled) throw new InvalidInputError('This link is not valid or was already used');
    const oldEmail = user.email;
    const updated = await this.users.setEmail(user._id, token.email, true);
    if (oldEmail !== updated.email) {
      await this.mail
        .send(MAIL_JOB_IDS.emailChanged(token._id.toString()), {
          template: 'email-changed',
          to: oldEmail,
          data: { username: user.username, newEmail: updated.email },
        })
        .catch((error: unknown) =>
          this.logger.error({ err: error, userId: user._id.toString() }, 'could not queue the email-changed notice'),
        );
    }
    return updated.email;
  }

  /**
   * Signed in, with the password: mails the new address a link and keeps the old one until it is followed.
   * With verification off, the new address takes effect at once (unverified) and the old one is told.
   */
  async requestChange(userId: Types.ObjectId, password: string, newEmail: string): Promise<string> {
    const user = await this.getUser(userId);
    if (!(await verifyPassword(password, user.passwordHash))) throw new ForbiddenError('The password is wrong');
    const email = normaliseEmail(newEmail);
    if (email === user.email) throw new ConflictError('That is already your address');
    if (await this.users.findByEmail(email)) throw new ConflictError('That email is already registered');
    if (!this.enabled) {
      await this.users.setEmail(user._id, email, false);
      await this.mail
        .send(MAIL_JOB_IDS.emailChanged(`${user._id.toString()}:${Date.now()}`), {
          template: 'email-changed',
          to: user.email,
          data: { username: user.username, newEmail: email },
        })
        .catch((error: unknown) =>
          this.logger.error({ err: error, userId: user._id.toString() }, 'could not queue the email-changed notice'),
        );
      return email;
    }
    await this.mailLink(user, email, true).catch(unqueued);
    return email;
  }

  private async mailLink(user: UserDocument, email: string, change: boolean): Promise<void> {
    const { token, secret } = await this.emailTokens.issue(EmailTokenPurpose.VerifyEmail, user._id, email, this.ttlMs);
    await this.mail.send(MAIL_JOB_IDS.verifyEmail(token._id.toString()), {
      template: 'verify-email',
      to: email,
      data: { username: user.username, token: secret, expiresAt: token.expiresAt.toISOString(), change },
    });
  }

  private async getUser(userId: Types.ObjectId): Promise<UserDocument> {
    const user = await this.users.findById(userId);
    if (!user) throw new NotFoundError('No such user');
    return user;
  }
}

const unqueued = (): never => {
  throw new ServiceUnavailableError('The mail could not be queued: try again in a minute');
};
