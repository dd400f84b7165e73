import { Process, Processor } from '@nestjs/bull';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import { Types } from 'mongoose';
import type { ResolvedEnvironment } from '../config/environment';
import { PostsRepository } from '../files/posts.repository';
import { JobProducer } from '../jobs/job-producer';
import { objectIdIn } from '../jobs/job-payload';
import {
  type DigestJob,
  type DigestResult,
  MAIL_JOB_IDS,
  type MailedNotificationKind,
  type NotificationMailEvent,
  type NotificationMailJob,
  QUEUES,
} from '../jobs/queues';
import { unsubscribeUrlFor } from '../notifications/mail/unsubscribe-token';
import { NotificationsService } from '../notifications/notifications.service';
import type { NotificationDocument, NotificationMailOutcome } from '../notifications/schemas/notification.schema';
import { ShakesService } from '../shakes/shakes.service';
import { ShakeType } from '../shakes/schemas/shake.schema';
import { notificationMailOf, type UserDocument } from '../users/schemas/user.schema';
import { UsersService } from '../users/users.service';
import { CommentsService } from './comments/comments.service';

const DAY_MS = 86_400_000;
/** Recipients one step of the digest reads. */
const DIGEST_BATCH = 200;
/** Events listed in one digest; the rest are counted ("and N more"). */
export const DIGEST_MAX_EVENTS = 50;
const EXCERPT_LENGTH = 140;
const TITLE_LENGTH = 100;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Text for one line of a mail: whitespace (newlines in a title) collapsed, cut at `length` characters. */
const oneLine = (text: string, length: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
};

/*
 * Links go to the share pages, /<username> and /p/<key> (src/pages/page-routes.ts, which imports this folder, so
 * the paths are spelt out here).
 */

/** The UTC day of a time, YYYY-MM-DD. */
export const utcDayOf = (time: number): string => new Date(time).toISOString().slice(0, 10);

/**
 * Notification mail, the MLKSHK way: a mail for a new follower, comment or mention, at most one per event,
 * unless its recipient turned that kind off, or takes the daily digest instead (PATCH /me). Lives in social
 * (not notifications) because telling of an event reads the posts and comments it is about.
 */
@Processor(QUEUES.notifications.name)
export class NotificationMailProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationMailProcessor.name);
  private readonly publicUrl: string;
  private readonly secret: string;
  private readonly verificationOn: boolean;

  constructor(
    private readonly jobs: JobProducer,
    private readonly notifications: NotificationsService,
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
    private readonly posts: PostsRepository,
    private readonly comments: CommentsService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.publicUrl = config.get('PUBLIC_URL', { infer: true });
    this.secret = config.get('UNSUBSCRIBE_SECRET', { infer: true });
    this.verificationOn = config.get('EMAIL_VERIFICATION_ENABLED', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    // Bull starts an `every` schedule at a multiple of it since the epoch: a day's runs fall on 00:00 UTC.
    await this.jobs.repeat('notifications/digest', DAY_MS);
  }

  /**
   * Decides once what becomes of one notification's mail (its `mailedAs`): queued now, kept for the digest, or
   * nothing. A notification already decided is not decided again; one decided `sent` queues its mail again,
   * which its key (`notification:<id>`) keeps to one mail, in case the first run stopped in between.
   */
  @Process(QUEUES.notifications.jobs.mail)
  async mail(job: Job<NotificationMailJob>): Promise<{ outcome: NotificationMailOutcome | 'gone' }> {
    const notification = await this.notifications.findById(await objectIdIn(job, job.data.notificationId));
    if (!notification) return { outcome: 'gone' };
    if (notification.mailedAs === 'digest' || notification.mailedAs === 'none') return { outcome: notification.mailedAs };
    const outcome = await this.decide(notification);
    await this.notifications.setMailedAs(notification._id, outcome);
    return { outcome };
  }

  private async decide(notification: NotificationDocument): Promise<NotificationMailOutcome> {
    const kind = notification.type as MailedNotificationKind;
    const recipient = await this.users.findById(notification.recipientId);
    if (!recipient || !this.mailable(recipient)) return 'none';
    const settings = notificationMailOf(recipient);
    if (!settings[kind]) return 'none';
    if (settings.digest) return 'digest';
    const event = await this.eventOf(notification);
    if (!event) return 'none';
    const id = notification._id.toHexString();
    await this.jobs.send('mail/send', {
      eventKey: MAIL_JOB_IDS.notification(id),
      template: 'notification',
      to: recipient.email,
      data: {
        username: recipient.username,
        event,
        unsubscribeUrl: unsubscribeUrlFor(this.publicUrl, this.secret, { userId: recipient._id.toHexString(), scope: kind }),
      },
    });
    return 'sent';
  }

  /**
   * One mail per recipient with events kept for the digest on that UTC day, of the kinds still turned on.
   * The mail's key is the recipient and the day, so a run again (a retry, a run driven by hand) mails nobody twice.
   */
  @Process(QUEUES.notifications.jobs.digest)
  async digest(job: Job<DigestJob>): Promise<DigestResult> {
    const day = job.data.day ?? utcDayOf(Date.now() - DAY_MS);
    if (!DAY.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      await job.discard();
      throw new Error(`notifications/digest: ${JSON.stringify(day)} is not a day (YYYY-MM-DD)`);
    }
    const from = new Date(`${day}T00:00:00Z`);
    const to = new Date(from.getTime() + DAY_MS);
    let mailed = 0;
    let after: Types.ObjectId | undefined;
    for (;;) {
      const recipients = await this.notifications.digestRecipients(from, to, after, DIGEST_BATCH);
      for (const recipientId of recipients) {
        if (await this.digestFor(recipientId, day, from, to)) mailed += 1;
      }
      if (recipients.length < DIGEST_BATCH) break;
      after = recipients[recipients.length - 1];
    }
    if (mailed > 0) this.logger.log(`queued the digest of ${day} for ${mailed} users`);
    return { day, mailed };
  }

  private async digestFor(recipientId: Types.ObjectId, day: string, from: Date, to: Date): Promise<boolean> {
    const recipient = await this.users.findById(recipientId);
    if (!recipient || !this.mailable(recipient)) return false;
    const settings = notificationMailOf(recipient);
    const kept = await this.notifications.digestOf(recipientId, from, to, DIGEST_MAX_EVENTS);
    const events: NotificationMailEvent[] = [];
    for (const notification of kept) {
      if (!settings[notification.type as MailedNotificationKind]) continue; // turned off since
      const event = await this.eventOf(notification);
      if (event) events.push(event);
    }
    if (events.length === 0) return false;
    const more = Math.max(0, (await this.notifications.countDigestOf(recipientId, from, to)) - kept.length);
    const userId = recipient._id.toHexString();
    await this.jobs.send('mail/send', {
      eventKey: MAIL_JOB_IDS.notificationDigest(userId, day),
      template: 'notification-digest',
      to: recipient.email,
      data: {
        username: recipient.username,
        day,
        events,
        more,
        unsubscribeUrl: unsubscribeUrlFor(this.publicUrl, this.secret, { userId, scope: 'all' }),
      },
    });
    return true;
  }

  /** Mail goes to enabled accounts whose address is verified (any address, when nobody can verify one). */
  private mailable(user: UserDocument): boolean {
    return !user.disabled && (user.emailVerified || !this.verificationOn);
  }

  /** What the mail says of one notification, read now; null when what it was about is gone. */
  private async eventOf(notification: NotificationDocument): Promise<NotificationMailEvent | null> {
    const actor = await this.users.findById(notification.actorId);
    if (!actor || actor.disabled) return null;
    const base = {
      kind: notification.type as MailedNotificationKind,
      actor: actor.username,
      actorUrl: `${this.publicUrl}/${encodeURIComponent(actor.username)}`,
      at: notification.createdAt.toISOString(),
    };
    if (notification.type === 'follow') {
      const shake = notification.shakeId && (await this.shakes.findById(notification.shakeId));
      if (!shake) return null;
      return { ...base, shake: { name: shake.name, userShake: shake.type === ShakeType.User } };
    }
    if (!notification.fileId || !notification.commentId) return null;
    const [post, comment] = await Promise.all([this.posts.findById(notification.fileId), this.comments.findById(notification.commentId)]);
    if (!post || post.deletedAt || !comment) return null;
    return {
      ...base,
      file: { title: oneLine(post.title, TITLE_LENGTH), url: `${this.publicUrl}/p/${post.key}` },
      excerpt: oneLine(comment.body, EXCERPT_LENGTH),
    };
  }
}
