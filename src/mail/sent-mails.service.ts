import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { MAIL_JOB_IDS } from '../jobs/queues';
import { SentMail } from './schemas/sent-mail.schema';

/**
 * The "sent" records of mail (sent_mails, keyed by the event: the mail job's id), the collection's one owner. Most
 * event keys name a token, a notification or an export; the ones that name a user are forgotten with the account.
 */
@Injectable()
export class SentMailsService {
  constructor(@InjectModel(SentMail.name) private readonly sent: Model<SentMail>) {}

  async wasSent(eventKey: string): Promise<boolean> {
    return (await this.sent.exists({ _id: eventKey })) !== null;
  }

  /** Records that the mail of this event went out; a second record of the same event is no error. */
  async record(eventKey: string, template: string, messageId: string): Promise<void> {
    try {
      await this.sent.create({ _id: eventKey, template, messageId });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
  }

  /** Deletes the records of mail sent before `sentBefore`; index {sentAt}. */
  async prune(sentBefore: Date): Promise<number> {
    return (await this.sent.deleteMany({ sentAt: { $lt: sentBefore } })).deletedCount;
  }

  /** The records whose key names the user (a password change, a daily digest; see MAIL_JOB_IDS). */
  async forgetUser(userId: Types.ObjectId): Promise<void> {
    const id = userId.toHexString();
    // Keys are made of [a-z0-9:-] only: the prefixes need no escaping in a pattern.
    for (const prefix of [MAIL_JOB_IDS.passwordChanged(id, ''), MAIL_JOB_IDS.notificationDigest(id, '')]) {
      await this.sent.deleteMany({ _id: { $regex: `^${prefix}` } }).exec();
    }
  }
}
