import type { JobOptions } from 'bull';

/**
 * Every queue, its job names and their default options, in one place. Processors live beside the feature
 * that owns the work; at start-up the worker checks that every job named here has one.
 */
export const QUEUES = {
  system: {
    name: 'system',
    jobs: { heartbeat: 'heartbeat' },
  },
  files: {
    name: 'files',
    jobs: {
      /** Make the thumbnail and small variants of a source file. jobId variants:<storageKey> (see JOB_IDS). */
      variants: 'variants',
      /** Give back a deleted post's reference to its source file. jobId release:<sharedFileId>. */
      release: 'release',
      /** Delete the stored objects of a source file no post refers to any more. */
      purge: 'purge',
      /** Fold the view counts gathered in Redis into MongoDB (repeatable). */
      foldViews: 'fold-views',
    },
  },
  /** Counters, notifications and snapshots that follow from social facts (follows, posts, likes, comments). */
  social: {
    name: 'social',
    jobs: {
      /** A follow was written: recount the shake's followers (a changed count reindexes it in search), notify its owner. */
      followed: 'followed',
      /** A follow was removed: recount the shake's followers (a changed count reindexes it in search). */
      unfollowed: 'unfollowed',
      /** A group shake was deleted: delete its posts (as DELETE /files/:key does), remove its follows and entries. */
      shakeDeleted: 'shake-deleted',
      /** Rebuild every shake's and every post's counters from the facts; also the repair tool after an outage. */
      recount: 'recount',
      /** A post was made (upload or save): recount its shake's files; for a save, the saves and a notification. */
      posted: 'posted',
      /** A post was deleted: take it out of its shake, recount the files and (for a save) the saves. */
      postRemoved: 'post-removed',
      /** A like was written: recount the file's likes, make a magic file, notify the owner. */
      liked: 'liked',
      /** A like was removed: recount the file's likes. */
      unliked: 'unliked',
      /** A comment was written: recount the file's comments, notify its owner and the mentioned users. */
      commented: 'commented',
      /** A comment was removed: recount the file's comments. */
      commentRemoved: 'comment-removed',
    },
  },
  /** Precomputed streams. Its own queue: a repeatable job always has a next run waiting, and the social queue must be able to drain. */
  streams: {
    name: 'streams',
    jobs: {
      /** Score recent originals and store the ranking as a new popular snapshot (repeatable). */
      popularSnapshot: 'popular-snapshot',
    },
  },
  /** Housekeeping of notifications. Its own queue, like streams: a repeatable job always has its next run waiting. */
  notifications: {
    name: 'notifications',
    jobs: {
      /** Delete read notifications past their age, leaving each user their newest ones (repeatable, daily). */
      prune: 'prune',
      /**
       * Decide the mail of one new notification (follow, comment, mention): queue it, keep it for the recipient's
       * digest, or nothing (opted out). jobId notification-mail:<notification id>.
       */
      mail: 'mail',
      /** Mail each recipient who takes the digest the events of one UTC day, in one mail (repeatable, daily at 00:00 UTC). */
      digest: 'digest',
    },
  },
  search: {
    name: 'search',
    jobs: {
      /**
       * Bring the search entry of one file, shake or user in line with its sources: {kind, id}. No jobId on
       * purpose: Bull ignores an add whose jobId is still active, so a change made while that job runs would
       * never be indexed; a second job for the same thing is cheap and idempotent instead.
       */
      index: 'index',
      /** Rebuild the whole index from the source collections. jobId search-rebuild: one at a time. */
      rebuild: 'rebuild',
    },
  },
  /** Every mail the site sends, one job per event; the job id is the event's key, so one event sends one mail. */
  mail: {
    name: 'mail',
    jobs: {
      /** Render a template and deliver it over SMTP (or, in development, to the log and DATA_DIR/mail). */
      send: 'send',
      /** Forget the "sent" records of mails older than any job could still be retried (repeatable, daily). */
      pruneSent: 'prune-sent',
    },
  },
  /** Leaving and taking your data: account exports, account removal and their housekeeping. */
  account: {
    name: 'account',
    jobs: {
      /** Build an account's export zip into storage and mail its link. jobId export:<exportId>. */
      export: 'export',
      /**
       * Remove an account whose removal has started (its grace period is over, or an admin deleted it): its posts,
       * likes, comments, follows, notifications, tokens, shakes and the user itself. jobId remove:<userId>.
       */
      remove: 'remove',
      /** Remove expired exports, start the removal of accounts whose grace period is over (repeatable, hourly). */
      sweep: 'sweep',
    },
  },
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES]['name'];

/**
 * How soon the jobs of a worker that died (SIGKILL, OOM, a node lost) run again. Bull locks each active job for
 * `lockDuration` and renews the lock every `lockDuration / 2` while the job runs; every `stalledInterval` one
 * worker marks the active jobs and moves back to waiting those marked last time whose lock has expired. A dead
 * worker's job therefore runs again within lockDuration + 2 × stalledInterval (25 s; Bull's defaults of 30 s and
 * 30 s made that 34 to 92 s), measured by test/faults/worker-killed.fault-spec.ts.
 *
 * The lock is not shortened further because a live job loses it when its renewal is late by more than half the
 * lock: it would then run twice at once. How long a job runs does not matter (a 50-photo export zip or the
 * variants of a 100-megapixel image renew their lock like any other: sharp, zlib and the streams work off the
 * event loop); what matters is the event loop itself, and 7.5 s is far beyond any pause seen on a loaded
 * machine, and beyond a 10 s Redis freeze too (the queued renewal lands before a 15 s lock runs out). A stalled
 * check every 5 s is one small script per queue, shared by every worker (Bull's stalled-check key).
 * maxStalledCount 2: a job survives two worker deaths in a row; the third time it is more likely the job that
 * kills its workers (an image that exhausts memory), and it is failed and kept for inspection instead of taking
 * down every worker in turn. Handlers are idempotent either way (see JOB_IDS), so a rerun repeats no effect.
 */
export const STALLED_JOB_SETTINGS = { lockDuration: 15_000, stalledInterval: 5_000, maxStalledCount: 2 } as const;

/** Within this long of a worker's death, the jobs it held are running again (see STALLED_JOB_SETTINGS). */
export const STALLED_JOB_RERUN_WITHIN_MS = STALLED_JOB_SETTINGS.lockDuration + 2 * STALLED_JOB_SETTINGS.stalledInterval;

/** Retried with exponential backoff; completed jobs are trimmed, failed ones kept for inspection. */
export const DEFAULT_JOB_OPTIONS: JobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: 1000,
  removeOnFail: false,
};

export interface FollowedJob {
  followId: string;
  shakeId: string;
  followerId: string;
}
export interface UnfollowedJob {
  followId: string;
  shakeId: string;
}
export interface ShakeDeletedJob {
  shakeId: string;
}
export interface RecountResult {
  shakes: number;
  /** Posts whose counters were checked. */
  files: number;
  /** Counters that were wrong and were rewritten (shakes and posts together). */
  corrected: number;
}
export interface PruneResult {
  /** Users who lost notifications in this run. */
  recipients: number;
  deleted: number;
}
export interface NotificationMailJob {
  notificationId: string;
}
export interface DigestJob {
  /** The UTC day to digest, YYYY-MM-DD; the day before the run when absent (the repeatable job). */
  day?: string;
}
export interface DigestResult {
  day: string;
  /** Recipients mailed a digest in this run (a run again queues the same mails, which go out once). */
  mailed: number;
}
export interface PostJob {
  sharedFileId: string;
}
export interface LikeJob {
  likeId: string;
  sharedFileId: string;
}
export interface CommentJob {
  commentId: string;
  sharedFileId: string;
}

export interface VariantsJob {
  sourceId: string;
  /** The stored bytes the job is for; only its job id uses it (the job reads the source afresh). */
  storageKey: string;
  /** Once more, after a late job for purged bytes took this set away (see FilesProcessor.variants). */
  again?: boolean;
  /** How many times a sweep has queued this again after it failed for good (see the files sweeper). */
  sweeps?: number;
}
export interface PurgeJob {
  storageKeys: string[];
}
export interface AccountExportJob {
  exportId: string;
}
export interface AccountRemoveJob {
  userId: string;
}
/** What features tell search about: a file (post), a shake or a user changed. */
export const SEARCH_KINDS = ['file', 'shake', 'user'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];
export interface IndexJob {
  kind: SearchKind;
  id: string;
  /** A user only: also every shake and post they own, whose visibility follows theirs (disabled, enabled). */
  withOwned?: boolean;
}
type NoPayload = Record<string, never>;

/** Every job as `queue/job`, e.g. `social/liked`. */
type Queues = typeof QUEUES;
type JobNameIn<Q extends { name: string; jobs: Record<string, string> }> = `${Q['name']}/${Q['jobs'][keyof Q['jobs']]}`;
export type JobName = { [K in keyof Queues]: JobNameIn<Queues[K]> }[keyof Queues];

/** The payload of every job, bound to its name: a producer cannot send the wrong shape. */
export interface JobPayloads {
  'system/heartbeat': NoPayload;
  'files/variants': VariantsJob;
  'files/release': PostJob;
  'files/purge': PurgeJob;
  'files/fold-views': NoPayload;
  'social/followed': FollowedJob;
  'social/unfollowed': UnfollowedJob;
  'social/shake-deleted': ShakeDeletedJob;
  'social/recount': NoPayload;
  'social/posted': PostJob;
  'social/post-removed': PostJob;
  'social/liked': LikeJob;
  'social/unliked': LikeJob;
  'social/commented': CommentJob;
  'social/comment-removed': CommentJob;
  'streams/popular-snapshot': NoPayload;
  'notifications/prune': NoPayload;
  'notifications/mail': NotificationMailJob;
  'notifications/digest': DigestJob;
  'search/index': IndexJob;
  'search/rebuild': NoPayload;
  'mail/send': KeyedMailJob;
  'mail/prune-sent': NoPayload;
  'account/export': AccountExportJob;
  'account/remove': AccountRemoveJob;
  'account/sweep': NoPayload;
}
export type JobOf<N extends JobName> = JobPayloads[N];

/** Fails to compile when a job has no payload type or a payload type names no job. */
export const PAYLOADS_MATCH_JOBS: [Exclude<JobName, keyof JobPayloads>, Exclude<keyof JobPayloads, JobName>] extends [never, never]
  ? true
  : never = true;

/**
 * Deterministic ids for jobs that must not run twice for the same fact: Bull ignores an add whose id it
 * still holds, so a late add and a copy from the outbox or a sweep of the same fact make one job. Keyed by the
 * fact (a follow document's id), never by the shake: an id per shake would swallow the recount for a later
 * follow while an earlier job is still kept as completed. Jobs without an id here are cheap to run twice.
 */
export const JOB_IDS: { [N in JobName]?: (payload: JobOf<N>) => string } = {
  // Keyed by the stored bytes, not the source id: an image purged and uploaded again gets the same source id (it
  // comes from the hash), and an id Bull still holds as completed would swallow its job.
  'files/variants': ({ storageKey, again }) => `${again ? 'variants-again' : 'variants'}:${storageKey}`,
  'files/release': ({ sharedFileId }) => `release:${sharedFileId}`,
  'social/followed': ({ followId }) => `followed:${followId}`,
  'social/unfollowed': ({ followId }) => `unfollowed:${followId}`,
  'social/shake-deleted': ({ shakeId }) => `shake-deleted:${shakeId}`,
  'social/posted': ({ sharedFileId }) => `posted:${sharedFileId}`,
  'social/post-removed': ({ sharedFileId }) => `post-removed:${sharedFileId}`,
  'social/liked': ({ likeId }) => `liked:${likeId}`,
  'social/unliked': ({ likeId }) => `unliked:${likeId}`,
  'social/commented': ({ commentId }) => `commented:${commentId}`,
  'social/comment-removed': ({ commentId }) => `comment-removed:${commentId}`,
  'account/export': ({ exportId }) => `export:${exportId}`,
  'account/remove': ({ userId }) => `remove:${userId}`,
  'notifications/mail': ({ notificationId }) => `notification-mail:${notificationId}`,
  'mail/send': ({ eventKey }) => eventKey,
};

/** Mail servers are away for minutes, not seconds: 8 tries over about 10 minutes, kept when they all fail. */
export const MAIL_JOB_OPTIONS: JobOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5000 },
  removeOnComplete: true,
  removeOnFail: false,
};

/** Options of single jobs that differ from DEFAULT_JOB_OPTIONS. */
export const JOB_OPTIONS: { [N in JobName]?: JobOptions } = {
  'search/rebuild': { attempts: 3 },
  'mail/send': MAIL_JOB_OPTIONS,
};

export const jobIdOf = <N extends JobName>(name: N, payload: JobOf<N>): string | undefined =>
  (JOB_IDS[name] as ((payload: JobOf<N>) => string) | undefined)?.(payload);

export const splitJobName = (name: JobName): { queue: QueueName; job: string } => {
  const slash = name.indexOf('/');
  return { queue: name.slice(0, slash) as QueueName, job: name.slice(slash + 1) };
};

/**
 * What each mail template needs. A token travels in the payload because only its hash is stored (the mail is
 * the one place the secret goes); mail jobs are removed once delivered, so it stays in Redis only until then.
 */
export interface MailTemplateData {
  /** A link to verify the address the mail goes to: a new account's, or the new one of an email change. */
  'verify-email': { username: string; token: string; expiresAt: string; change: boolean };
  'password-reset': { username: string; token: string; expiresAt: string };
  /** The password was changed (signed in) or reset (by mail). */
  'password-changed': { username: string; how: 'changed' | 'reset' };
  /** To the old address, once a new one took its place. */
  'email-changed': { username: string; newEmail: string };
  /** An account export is ready to download (signed in) until expiresAt. */
  'export-ready': { username: string; exportId: string; expiresAt: string };
  /** One new follower, comment or mention, as it happened. */
  notification: { username: string; event: NotificationMailEvent; unsubscribeUrl: string };
  /** The follows, comments and mentions of one UTC day (YYYY-MM-DD), oldest first; `more` were left out. */
  'notification-digest': {
    username: string;
    day: string;
    events: NotificationMailEvent[];
    more: number;
    unsubscribeUrl: string;
  };
}

/** The kinds of notification that are mailed, each of which a user can turn off (PATCH /me). */
export const MAILED_NOTIFICATION_KINDS = ['follow', 'comment', 'mention'] as const;
export type MailedNotificationKind = (typeof MAILED_NOTIFICATION_KINDS)[number];

/** What a notification mail tells of one event, read when its job ran (user content: escaped in HTML). */
export interface NotificationMailEvent {
  kind: MailedNotificationKind;
  /** Who did it, and the page of their user shake. */
  actor: string;
  actorUrl?: string;
  /** ISO time of the event. */
  at: string;
  /** follow: the followed shake, and whether it is the recipient's user shake. */
  shake?: { name: string; userShake: boolean };
  /** comment, mention: the file, with the URL of its share page, and the start of the comment. */
  file?: { title: string; url: string };
  excerpt?: string;
}
export type MailTemplate = keyof MailTemplateData;

/** The payload of mail/send: whom to send which template, with its data. */
export type MailJob = { [T in MailTemplate]: { template: T; to: string; data: MailTemplateData[T] } }[MailTemplate];

/**
 * mail/send as JobProducer queues it (notification mail), with the event's key, which is its job id. Mail
 * with a token in it (verification, reset) is queued by MailQueue instead, never through the outbox: the
 * outbox is a database collection, and a token is stored nowhere but in its mail.
 */
export type KeyedMailJob = MailJob & { eventKey: string };

/** The event each mail is for: the job id, and the key of its "sent" record, so a retry never sends it twice. */
export const MAIL_JOB_IDS = {
  verifyEmail: (tokenId: string) => `verify-email:${tokenId}`,
  passwordReset: (tokenId: string) => `password-reset:${tokenId}`,
  /** `change` names the change: the reset token used, or the time of a signed-in change. */
  passwordChanged: (userId: string, change: string) => `password-changed:${userId}:${change}`,
  emailChanged: (tokenId: string) => `email-changed:${tokenId}`,
  exportReady: (exportId: string) => `export-ready:${exportId}`,
  notification: (notificationId: string) => `notification:${notificationId}`,
  /** One digest per recipient and UTC day. */
  notificationDigest: (userId: string, day: string) => `notification-digest:${userId}:${day}`,
};

export const ALL_QUEUE_NAMES: QueueName[] = Object.values(QUEUES).map((queue) => queue.name);

export const jobNamesOf = (queue: QueueName): string[] => Object.values(Object.values(QUEUES).find((q) => q.name === queue)!.jobs);

export const ALL_JOB_NAMES: JobName[] = ALL_QUEUE_NAMES.flatMap((queue) => jobNamesOf(queue).map((job) => `${queue}/${job}` as JobName));
