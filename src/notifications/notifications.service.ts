import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import type { ResolvedEnvironment } from '../config/environment';
import { JobProducer } from '../jobs/job-producer';
import { MAILED_NOTIFICATION_KINDS } from '../jobs/queues';
import {
  Notification,
  type NotificationDocument,
  type NotificationMailOutcome,
  type NotificationType,
} from './schemas/notification.schema';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { idRange, type Seek } from '../common/pagination/seek';

/** Recipients whose notifications one step of the prune handles. */
const PRUNE_BATCH = 500;

/** Repeating an event within this window (follow, unfollow, follow again) does not notify again. */
export const RENOTIFY_AFTER_MS = 60 * 60 * 1000;

export interface NotificationSubject {
  shakeId?: Types.ObjectId;
  fileId?: Types.ObjectId;
  commentId?: Types.ObjectId;
}

export interface NewNotification {
  type: NotificationType;
  recipientId: Types.ObjectId;
  actorId: Types.ObjectId;
  subject: NotificationSubject;
  /** The fact notified of (the follow, like, post or comment): one fact notifies once, however often its job runs. */
  factId: Types.ObjectId;
}

const idAt = (time: Date) => Types.ObjectId.createFromTime(Math.floor(time.getTime() / 1000));
/** Ids (creation times) in [from, to), whole seconds. */
const idsBetween = (from: Date, to: Date) => ({ $gte: idAt(from), $lt: idAt(to) });

const dedupeKeyOf = ({ type, actorId, subject }: NewNotification): string =>
  [type, actorId, subject.shakeId ?? '', subject.fileId ?? '', subject.commentId ?? ''].map(String).join(':');

/**
 * Notifications and the queries on their collection (indexes: {recipientId, dedupeKey} unique,
 * {recipientId, _id}, {recipientId, readAt, _id}).
 */
@Injectable()
export class NotificationsService {
  private readonly mailEnabled: boolean;

  constructor(
    @InjectModel(Notification.name) private readonly notifications: Model<Notification>,
    private readonly jobs: JobProducer,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    // Production without a mail server sends nothing (see MailTransport): then no mail job is queued at all.
    const canMail = config.get('SMTP_URL', { infer: true }) !== undefined || config.get('NODE_ENV', { infer: true }) !== 'production';
    this.mailEnabled = config.get('NOTIFICATION_MAIL_ENABLED', { infer: true }) && canMail;
  }

  /**
   * The one way to notify, called from the jobs that follow a follow, like, save, comment or mention. Safe to
   * call twice: the same event (type, actor, subject) for the same recipient is stored once, and repeated only
   * after RENOTIFY_AFTER_MS for a new fact (a follow again), when the old notification makes way for the new one;
   * a job of the same fact run again later (from the outbox, a sweep) finds its own notification and stops. Never
   * notifies anyone of their own doing. Returns whether a notification was written.
   *
   * A follow, comment or mention also queues its notifications/mail job (through the outbox when Redis is away),
   * again when the job of its fact runs again and finds its notification, so a crash between the two is repaired
   * by the retry; the job id (and the mail's own key) keep it to one mail.
   */
  async notify(event: NewNotification): Promise<boolean> {
    if (event.recipientId.equals(event.actorId)) return false;
    const dedupeKey = dedupeKeyOf(event);
    await this.notifications.deleteOne({
      recipientId: event.recipientId,
      dedupeKey,
      factId: { $ne: event.factId },
      createdAt: { $lt: new Date(Date.now() - RENOTIFY_AFTER_MS) },
    });
    try {
      const created = await this.notifications.create({
        recipientId: event.recipientId,
        type: event.type,
        actorId: event.actorId,
        shakeId: event.subject.shakeId ?? null,
        fileId: event.subject.fileId ?? null,
        commentId: event.subject.commentId ?? null,
        factId: event.factId,
        dedupeKey,
      });
      await this.queueMail(created);
      return true;
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
    }
    const existing = await this.notifications.findOne({ recipientId: event.recipientId, dedupeKey, factId: event.factId }).exec();
    if (existing) await this.queueMail(existing);
    return false;
  }

  private async queueMail(notification: NotificationDocument): Promise<void> {
    if (!this.mailEnabled || !(MAILED_NOTIFICATION_KINDS as readonly string[]).includes(notification.type)) return;
    await this.jobs.send('notifications/mail', { notificationId: notification._id.toHexString() });
  }

  findById(id: Types.ObjectId): Promise<NotificationDocument | null> {
    return this.notifications.findById(id).exec();
  }

  /** Records what the notification's mail job decided. */
  async setMailedAs(id: Types.ObjectId, outcome: NotificationMailOutcome): Promise<void> {
    await this.notifications.updateOne({ _id: id }, { $set: { mailedAs: outcome } }).exec();
  }

  /** Recipients with notifications kept for the digest made in [from, to), after `after`, in id order. */
  async digestRecipients(from: Date, to: Date, after: Types.ObjectId | undefined, limit: number): Promise<Types.ObjectId[]> {
    const rows = await this.notifications
      .aggregate<{ _id: Types.ObjectId }>([
        { $match: { mailedAs: 'digest', _id: idsBetween(from, to), ...(after ? { recipientId: { $gt: after } } : {}) } },
        { $group: { _id: '$recipientId' } },
        { $sort: { _id: 1 } },
        { $limit: limit },
      ])
      .exec();
    return rows.map((row) => row._id);
  }

  /** One recipient's notifications kept for the digest made in [from, to), oldest first, at most `limit`. */
  digestOf(recipientId: Types.ObjectId, from: Date, to: Date, limit: number): Promise<NotificationDocument[]> {
    return this.notifications
      .find({ recipientId, mailedAs: 'digest', _id: idsBetween(from, to) })
      .sort({ _id: 1 })
      .limit(limit)
      .exec();
  }

  countDigestOf(recipientId: Types.ObjectId, from: Date, to: Date): Promise<number> {
    return this.notifications.countDocuments({ recipientId, mailedAs: 'digest', _id: idsBetween(from, to) }).exec();
  }

  /** From the seek's position, limit + 1 rows in the order read (see keysetPage). */
  listFor(recipientId: Types.ObjectId, seek: Seek): Promise<NotificationDocument[]> {
    const { bound, sort } = idRange(seek);
    return this.notifications
      .find({ recipientId, ...bound })
      .sort(sort)
      .limit(seek.limit + 1)
      .exec();
  }

  unreadCountOf(recipientId: Types.ObjectId): Promise<number> {
    return this.notifications.countDocuments({ recipientId, readAt: null }).exec();
  }

  /** Every notification to a (removed) user, and every one telling others of something they did. */
  async forgetUser(userId: Types.ObjectId): Promise<void> {
    await this.notifications.deleteMany({ recipientId: userId }).exec();
    await this.notifications.deleteMany({ actorId: userId }).exec();
  }

  /** Notifications about posts removed for good (a mention in a comment on one, told to a third user). */
  async forgetAboutFiles(fileIds: Types.ObjectId[]): Promise<void> {
    if (fileIds.length > 0) await this.notifications.deleteMany({ fileId: { $in: fileIds } }).exec();
  }

  /** Marks read every unread notification older than the position (all of them without one). */
  async markRead(recipientId: Types.ObjectId, before?: Types.ObjectId): Promise<number> {
    const filter = before ? { recipientId, readAt: null, _id: { $lt: before } } : { recipientId, readAt: null };
    const result = await this.notifications.updateMany(filter, { $set: { readAt: new Date() } }).exec();
    return result.modifiedCount;
  }

  /**
   * Deletes read notifications made before `olderThan` (by _id, which is their creation time), except each
   * user's newest `keepNewest`, read or not. Unread ones stay. Idempotent; the recipients are walked in _id order
   * in batches, so the memory it needs does not grow with the collection.
   */
  async pruneRead(olderThan: Date, keepNewest: number): Promise<{ recipients: number; deleted: number }> {
    const cutoff = Types.ObjectId.createFromTime(Math.floor(olderThan.getTime() / 1000));
    let recipients = 0;
    let deleted = 0;
    let after: Types.ObjectId | undefined;
    for (;;) {
      const batch = await this.notifications
        .aggregate<{ _id: Types.ObjectId }>([
          { $match: { _id: { $lt: cutoff }, readAt: { $ne: null }, ...(after ? { recipientId: { $gt: after } } : {}) } },
          { $group: { _id: '$recipientId' } },
          { $sort: { _id: 1 } },
          { $limit: PRUNE_BATCH },
        ])
        .exec();
      for (const { _id: recipientId } of batch) {
        let below = cutoff;
        if (keepNewest > 0) {
          const [newestKept] = await this.notifications
            .find({ recipientId }, { _id: 1 })
            .sort({ _id: -1 })
            .skip(keepNewest - 1)
            .limit(1)
            .lean()
            .exec();
          if (!newestKept) continue; // no more than keepNewest in all
          if (newestKept._id.toHexString() < below.toHexString()) below = newestKept._id;
        }
        const { deletedCount } = await this.notifications.deleteMany({ recipientId, readAt: { $ne: null }, _id: { $lt: below } }).exec();
        if (deletedCount > 0) recipients += 1;
        deleted += deletedCount;
      }
      if (batch.length < PRUNE_BATCH) return { recipients, deleted };
      after = batch[batch.length - 1]._id;
    }
  }
}
