import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Types } from 'mongoose';
import { InvalidInputError } from '../../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../../config/environment';
import { MAILED_NOTIFICATION_KINDS } from '../../jobs/queues';
import type { NotificationMailSettings } from '../../users/schemas/user.schema';
import { UsersService } from '../../users/users.service';
import { readUnsubscribeToken, type UnsubscribeScope } from './unsubscribe-token';

/** Unsubscribing through a mailed link: the signed token is the only credential. */
@Injectable()
export class UnsubscribeService {
  private readonly secret: string;

  constructor(
    private readonly users: UsersService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.secret = config.get('UNSUBSCRIBE_SECRET', { infer: true });
  }

  /** Checks a token without changing anything (the page a link opens). */
  check(token: string): UnsubscribeScope {
    return this.read(token).scope;
  }

  /** Turns off the kind of notification mail the token names (all of it for a digest's token); idempotent. */
  async unsubscribe(token: string): Promise<UnsubscribeScope> {
    const { userId, scope } = this.read(token);
    const kinds = scope === 'all' ? MAILED_NOTIFICATION_KINDS : [scope];
    const off: Partial<NotificationMailSettings> = Object.fromEntries(kinds.map((kind) => [kind, false]));
    await this.users.updateSettings(new Types.ObjectId(userId), { notificationMail: off });
    return scope;
  }

  private read(token: string) {
    const request = readUnsubscribeToken(this.secret, token);
    if (!request) throw new InvalidInputError('This unsubscribe link is not valid (it may be cut short, or from another site)');
    return request;
  }
}
