import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { Notification, type NotificationDocument, type NotificationType } from './schemas/notification.schema';
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

const dedupeKeyOf = ({ type, actorId, subject }: NewNotification): string =>
  [type, actorId, subject.shakeId ?? '', subject.fileId ?? '', subject.commentId ?? ''].map(String).join(':');

/**
 * Notifications and the queries on their collection (indexes: {recipientId, dedupeKey} unique,
 * {recipientId, _id}, {recipientId, readAt, _id}).
 */
@Injectable()
export class NotificationsService {
  constructor(@InjectModel(Notification.name) private readonly notifications: Model<Notification>) {}

  /**
   * The one way to notify, called from the jobs that follow a follow, like, save, comment or mention. Safe to
   * call twice: the same event (type, actor, subject) for the same recipient is stored once, and repeated only
   * after RENOTIFY_AFTER_MS for a new fact (a follow again), when the old notification makes way for the new one;
   * a job of the same fact run again later (from the outbox, a sweep) finds its own notification and stops. Never
   * notifies anyone of their own doing. Returns whether a notification was written.
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
      await this.notifications.create({
        recipientId: event.recipientId,
        type: event.type,
        actorId: event.actorId,
        shakeId: event.subject.shakeId ?? null,
        fileId: event.subject.fileId ?? null,
        commentId: event.subject.commentId ?? null,
        factId: event.factId,
        dedupeKey,
      });
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
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
