import { tmpdir } from 'node:os';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEnum,
  IsIn,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { RunMode } from './run-mode';

/** Where stored files live: in MongoDB (GridFS), in a local directory, or in an S3-compatible bucket. */
export const FILE_SERVING_MODES = ['stream', 'accel', 'redirect'] as const;
export type FileServingMode = (typeof FILE_SERVING_MODES)[number];

export const STORAGE_DRIVER_KINDS = ['gridfs', 'local', 's3'] as const;
export type StorageDriverKind = (typeof STORAGE_DRIVER_KINDS)[number];

/** Who may create an account: anyone, holders of an invite code, or nobody. */
export const REGISTRATION_MODES = ['open', 'invite', 'closed'] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** What an account may not do until its email address is verified (EMAIL_VERIFICATION_REQUIRED_FOR). */
export const VERIFIED_ACTIONS = ['upload', 'save', 'comment', 'create-shake'] as const;
export type VerifiedAction = (typeof VERIFIED_ACTIONS)[number];

const toList = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '' || Array.isArray(value)) return value;
  const text = String(value).trim().toLowerCase();
  return text === 'none' ? [] : text.split(',').map((item) => item.trim());
};

/** An absolute http(s) origin: scheme, host and an optional port, no path. */
const ORIGIN = /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?\/?$/;

const toBoolean = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  const text = String(value).toLowerCase();
  if (['true', '1', 'yes'].includes(text)) return true;
  if (['false', '0', 'no'].includes(text)) return false;
  return value; // left as a string so IsBoolean reports it
};

const toInteger = ({ value }: { value: unknown }) => {
  if (value === undefined || value === '') return undefined;
  return /^-?\d+$/.test(String(value)) ? Number(value) : value;
};

/**
 * Every environment variable Malted reads, with its local default. Validated once at start-up;
 * nothing else in the code reads process.env.
 */
export class Environment {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsEnum(RunMode)
  MALTED_MODE: RunMode = RunMode.All;

  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /**
   * Port of the GET /metrics listener (Prometheus), apart from PORT so that the Service and the Ingress, which
   * route only PORT, never expose it; 0 turns it off.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT = 9464;

  /** Lifetime of an admin's session cookie for the queue dashboard (made by POST /api/v1/admin/session). */
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(86400)
  ADMIN_SESSION_TTL_SECONDS = 900;

  /** If set, /metrics also requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @IsOptional()
  @Matches(/^\S{16,}$/, { message: 'METRICS_TOKEN must be at least 16 characters without spaces' })
  METRICS_TOKEN?: string;

  /** Unset outside production: a local MongoDB-compatible server is started (see README). */
  @IsOptional()
  @Matches(/^mongodb(\+srv)?:\/\/.+/, { message: 'MONGODB_URI must be a mongodb:// or mongodb+srv:// URI' })
  MONGODB_URI?: string;

  /** Unset outside production: redis://127.0.0.1:6379, started from PATH if nothing answers there. */
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /**
   * A Redis Cluster instead of one Redis: some of its nodes as host:port, comma-separated (the client finds the
   * rest). Mutually exclusive with REDIS_URL.
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').map((node) => node.trim()) : value))
  @IsArray()
  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, {
    each: true,
    message: 'REDIS_CLUSTER_NODES must be host:port pairs separated by commas (e.g. redis-0:6379,redis-1:6379)',
  })
  REDIS_CLUSTER_NODES?: string[];

  /** The ACL user of every cluster node (Redis's default user when unset). */
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_USERNAME?: string;

  /** The password of every cluster node (keep it in the Secret). */
  @IsOptional()
  @IsString()
  REDIS_CLUSTER_PASSWORD?: string;

  /** Speak TLS to every cluster node (most managed clusters). */
  @Transform(toBoolean)
  @IsBoolean()
  REDIS_CLUSTER_TLS = false;

  /** Namespaces every Redis key (Bull queues, cache, rate limits) so several deployments can share a Redis. */
  @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'REDIS_KEY_PREFIX must be 1-64 of letters, digits, _ . : -' })
  REDIS_KEY_PREFIX = 'malted';

  /**
   * The most time a request waits for Redis on its way (response cache, rate limits) before it goes on without
   * it, so a slow Redis costs milliseconds rather than a stalled request.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(5000)
  REDIS_REQUEST_TIMEOUT_MS = 150;

  /**
   * The most time one enqueue waits for Redis before the job is written to the outbox in the database instead
   * (a worker queues it once Redis answers again), so a Redis outage never holds a request.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(10000)
  JOB_ENQUEUE_TIMEOUT_MS = 500;

  /** How often a worker drains the outbox, checks whether Redis lost its jobs, and sweeps for work left half done. */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(3600000)
  JOB_RECOVERY_INTERVAL_MS = 15000;

  /** How old unfinished work (a source without variants, a deleted post not released) must be before a sweep queues it again. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86400)
  JOB_SWEEP_GRACE_SECONDS = 120;

  /** Serve public, viewer-independent GET routes from the shared response cache in Redis. */
  @Transform(toBoolean)
  @IsBoolean()
  HTTP_CACHE_ENABLED = true;

  /**
   * s-maxage of cached public responses: how long a CDN or proxy in front may serve one without asking again.
   * 0 keeps them exactly as fresh as the app (they still revalidate cheaply with their ETag).
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86400)
  HTTP_CACHE_SHARED_MAX_AGE_SECONDS = 0;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  /**
   * Log a line for every media request (raw, thumbnail, small) too. Off by default: at an image host's volume those
   * lines belong to the ingress or CDN, and writing them costs about a tenth of a cached answer's CPU. Server errors are
   * logged either way.
   */
  @Transform(toBoolean)
  @IsBoolean()
  LOG_MEDIA_REQUESTS = false;

  @Transform(toBoolean)
  @IsBoolean()
  SWAGGER_ENABLED = true;

  /** Largest JSON body accepted (uploads are multipart, streamed and limited separately). */
  @Matches(/^\d+(b|kb|mb)$/, { message: 'JSON_BODY_LIMIT must look like 100kb or 1mb' })
  JSON_BODY_LIMIT = '100kb';

  /**
   * The most time a client has to send a request's headers (Node's server.headersTimeout): past it the
   * connection is answered 408 and closed. Real clients send them in one packet.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(600000)
  HTTP_HEADERS_TIMEOUT_MS = 10000;

  /**
   * The most time a client has to send a whole request, body included (server.requestTimeout): past it, 408 and
   * the connection closed. It bounds how long a slow upload may take: UPLOAD_MAX_BYTES (30 MiB) needs 2 Mbit/s.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(3600000)
  HTTP_REQUEST_TIMEOUT_MS = 120000;

  /** After SIGTERM, how long readiness reports 503 before the server stops taking connections. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(60000)
  SHUTDOWN_DRAIN_MS = 0;

  /** After SIGTERM, the most time in-flight requests and jobs get before the process exits anyway. */
  @Transform(toInteger)
  @IsInt()
  @Min(1000)
  @Max(300000)
  SHUTDOWN_TIMEOUT_MS = 25000;

  /** Timeout of each readiness check (database, Redis). */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(30000)
  HEALTH_CHECK_TIMEOUT_MS = 1500;

  /** Requests per hour per token (or per client address when anonymous), shared by all API pods. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PER_HOUR = 5000;

  /** Login attempts per minute per client address. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  LOGIN_RATE_LIMIT_PER_MINUTE = 10;

  /** Registrations per hour per client address. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  REGISTER_RATE_LIMIT_PER_HOUR = 10;

  /** How many proxies in front (ingress, load balancer) to trust for the client address; 0 trusts none. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10)
  TRUST_PROXY_HOPS = 0;

  /** Group shakes one user may own (their user shake does not count); 0 turns group shakes off. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10000)
  GROUP_SHAKES_PER_USER = 50;

  /** Where local development keeps the data of the servers it starts by itself. */
  @IsString()
  DATA_DIR = './data';

  /**
   * local (the default outside production) stays fast however much is stored but lives on one machine; gridfs
   * serves every pod from MongoDB (slow on FerretDB, whose reads scan every chunk); s3 for object storage.
   * Production must name one (see REQUIRED_IN_PRODUCTION_EXPLICITLY).
   */
  @IsIn(STORAGE_DRIVER_KINDS)
  STORAGE_DRIVER: StorageDriverKind = 'local';

  /** The directory of the local driver (created if missing). */
  @IsString()
  @IsNotEmpty()
  STORAGE_LOCAL_DIR = './data/files';

  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'S3_BUCKET must be a bucket name: 3-63 of a-z, 0-9, . and -' })
  S3_BUCKET?: string;

  @IsString()
  @IsNotEmpty()
  S3_REGION = 'us-east-1';

  /** Unset for AWS; the URL of any other S3-compatible server (MinIO, Ceph, R2, ...). */
  @IsOptional()
  @IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }, { message: 'S3_ENDPOINT must be an http(s) URL' })
  S3_ENDPOINT?: string;

  @IsOptional()
  @IsString()
  S3_ACCESS_KEY_ID?: string;

  @IsOptional()
  @IsString()
  S3_SECRET_ACCESS_KEY?: string;

  /** Bucket in the path (http://host/bucket/key) instead of the host name; most self-hosted servers want this. */
  @Transform(toBoolean)
  @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** Largest image accepted in bytes (default 30 MiB); an upload is refused with 413 as soon as it passes this. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1073741824)
  UPLOAD_MAX_BYTES = 31457280;

  /**
   * Bytes one user may upload per calendar month (UTC), counted on every upload to their posts (saves do not
   * count); 0: no limit. Admins are exempt.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  UPLOAD_QUOTA_BYTES_PER_MONTH = 0;

  /**
   * How long an account whose owner asked to delete it (DELETE /me) stays disabled, and signing in undoes it; then
   * the hourly account/sweep starts its removal (0: at the next sweep).
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(90)
  ACCOUNT_DELETION_GRACE_DAYS = 7;
  /** How long an account export (POST /me/export) can be downloaded before it is deleted. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(90)
  ACCOUNT_EXPORT_TTL_DAYS = 7;

  /** Largest image accepted in pixels, width x height (all frames together when an animation is decoded). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000000)
  UPLOAD_MAX_PIXELS = 100000000;

  /** Where uploads are streamed before they are checked and stored; needs room for concurrent uploads. */
  @IsString()
  @IsNotEmpty()
  UPLOAD_TMP_DIR = tmpdir();

  /**
   * How raw files reach clients: stream (through the app), accel (an X-Accel-Redirect to an internal nginx
   * location, as MLKSHK served S3 files) or redirect (a short-lived presigned URL; s3 only).
   */
  @IsIn(FILE_SERVING_MODES)
  FILE_SERVING: FileServingMode = 'stream';

  /** The internal nginx location FILE_SERVING=accel redirects to with STORAGE_DRIVER=local; the storage key is appended. */
  @Matches(/^\/[A-Za-z0-9_/-]*$/, { message: 'FILE_ACCEL_PREFIX must be a path such as /_storage' })
  FILE_ACCEL_PREFIX = '/_storage';

  /**
   * The internal nginx location FILE_SERVING=accel redirects to with STORAGE_DRIVER=s3; the path and query of a
   * presigned GET URL are appended, and nginx proxies that to the S3 server (deploy/nginx/malted.conf.template).
   */
  @Matches(/^\/[A-Za-z0-9_/-]*$/, { message: 'FILE_ACCEL_S3_PREFIX must be a path such as /_s3' })
  FILE_ACCEL_S3_PREFIX = '/_s3';

  /** Lifetime of the presigned URLs FILE_SERVING=redirect sends. */
  @Transform(toInteger)
  @IsInt()
  @Min(10)
  @Max(86400)
  FILE_REDIRECT_TTL_SECONDS = 300;

  /** How often the view counts gathered in Redis are folded into the database. */
  @Transform(toInteger)
  @IsInt()
  @Min(5)
  @Max(3600)
  VIEWS_FOLD_INTERVAL_SECONDS = 300;

  /**
   * How often each API process hands the views it counted in memory to Redis (one pipeline per interval), where
   * the fold job picks them up.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(60000)
  VIEWS_FLUSH_INTERVAL_MS = 1000;

  /** Share keys whose serving facts (storage keys, hash, size, type, owner, variants) each API process keeps in memory. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10000000)
  MEDIA_CACHE_ENTRIES = 100000;

  /**
   * The bound: a process serves from its media cache only while it has read the invalidation feed in Redis within
   * this many milliseconds; past it (Redis away, the feed connection stuck) it drops the cache and asks the
   * database. So a deleted file stops being served by every process within this time.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(500)
  @Max(60000)
  MEDIA_CACHE_MAX_LAG_MS = 3000;

  /** The most time one media cache entry lives, even with the feed healthy: the last resort if an invalidation was never published. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86400)
  MEDIA_CACHE_TTL_SECONDS = 600;

  /**
   * Total bytes of stored objects (thumbnails, small versions, originals up to MEDIA_BYTES_CACHE_OBJECT_MAX_BYTES)
   * each API process keeps in memory with FILE_SERVING=stream; reads in flight add at most a quarter of it. 0 turns
   * the byte cache off.
   */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(4294967296)
  MEDIA_BYTES_CACHE_MAX_BYTES = 134217728;

  /** Only objects of at most this many bytes go into the byte cache; larger ones are streamed from the store. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(104857600)
  MEDIA_BYTES_CACHE_OBJECT_MAX_BYTES = 4194304;

  /**
   * Where searches read on a replica set: `primary`, or a secondary (`secondaryPreferred`, `nearest`, ...) to take
   * them off the primary. The index is written by jobs and so already lags a little; a secondary adds its
   * replication lag (see docs/scaling.md for which reads may and why the others may not).
   */
  @IsIn(['primary', 'primaryPreferred', 'secondary', 'secondaryPreferred', 'nearest'])
  MONGODB_SEARCH_READ_PREFERENCE: 'primary' | 'primaryPreferred' | 'secondary' | 'secondaryPreferred' | 'nearest' = 'primary';

  /** The most database time one search may take (maxTimeMS); a search that needs more gets 503. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(600000)
  SEARCH_TIMEOUT_MS = 5000;

  /** Read notifications older than this many days are deleted by the daily prune job (unread ones never are). */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3650)
  NOTIFICATIONS_PRUNE_AFTER_DAYS = 90;

  /** The prune job always leaves each user their newest this many notifications, read or not, however old. */
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(10000)
  NOTIFICATIONS_KEEP_PER_USER = 100;

  /** The site's name, in mail and in GET /api/v1/site. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  SITE_NAME = 'Malted';

  /**
   * The origin people reach the site at, for links in mail (and anything else that needs absolute URLs).
   * Outside production it defaults to http://localhost:<PORT>; production has no default. Always set once
   * validateEnvironment returns, without a trailing slash.
   */
  @IsOptional()
  @Matches(ORIGIN, { message: 'PUBLIC_URL must be an absolute http(s) origin such as https://malted.example.com (no path)' })
  PUBLIC_URL!: string;

  /** smtp:// or smtps://user:pass@host:port. Unset outside production: mail goes to the log and DATA_DIR/mail. */
  @IsOptional()
  @Matches(/^smtps?:\/\/[^\s/]+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL such as smtp://user:pass@host:587' })
  SMTP_URL?: string;

  /** The From: of every mail, "Name <address>" or a bare address. */
  @Matches(/^([^<>\r\n]+ )?<?[^\s@<>]+@[^\s@<>]+>?$/, {
    message: 'MAIL_FROM must be an address, optionally with a name: Malted <malted@example.com>',
  })
  MAIL_FROM = 'Malted <malted@localhost>';

  /** New accounts are mailed a link to verify their address; unverified ones may not do EMAIL_VERIFICATION_REQUIRED_FOR. */
  @Transform(toBoolean)
  @IsBoolean()
  EMAIL_VERIFICATION_ENABLED = true;

  /** What an account whose address is not verified may not do yet (comma-separated, or none). */
  @Transform(toList)
  @IsArray()
  @IsIn(VERIFIED_ACTIONS, {
    each: true,
    message: `EMAIL_VERIFICATION_REQUIRED_FOR must list some of ${VERIFIED_ACTIONS.join(', ')} (or be none)`,
  })
  EMAIL_VERIFICATION_REQUIRED_FOR: VerifiedAction[] = ['upload'];

  /** How long a verification link works. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(720)
  EMAIL_VERIFICATION_TTL_HOURS = 48;

  /** Forgotten passwords can be reset through a mailed link. */
  @Transform(toBoolean)
  @IsBoolean()
  PASSWORD_RESET_ENABLED = true;

  /** How long a password-reset link works. */
  @Transform(toInteger)
  @IsInt()
  @Min(5)
  @Max(1440)
  PASSWORD_RESET_TTL_MINUTES = 60;

  /** Requests that send mail (password reset, verification resend) per hour per client address. */
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  MAIL_RATE_LIMIT_PER_HOUR = 5;

  /** Mail people about new followers, comments and mentions (each can opt out, or take a daily digest, on /me). */
  @Transform(toBoolean)
  @IsBoolean()
  NOTIFICATION_MAIL_ENABLED = true;

  /**
   * The key that signs the unsubscribe links in notification mail (HMAC-SHA256), so they work without signing
   * in. Changing it makes every link already mailed stop working. Required in production when notification
   * mail goes out (SMTP_URL set, NOTIFICATION_MAIL_ENABLED on); the development default is public.
   */
  @IsString()
  @MinLength(32, { message: 'UNSUBSCRIBE_SECRET must be at least 32 characters (e.g. openssl rand -base64 32)' })
  UNSUBSCRIBE_SECRET = 'development-only-unsubscribe-secret-do-not-use';

  /** open: anyone may register; invite: only with an invite code from an admin; closed: nobody. */
  @IsIn(REGISTRATION_MODES)
  REGISTRATION: RegistrationMode = 'open';
}

/** Variables that have no default in production: each names a secret or a server. */
const REQUIRED_IN_PRODUCTION: (keyof Environment)[] = ['MONGODB_URI', 'PUBLIC_URL'];

/**
 * Variables whose development default is a choice production must make itself: STORAGE_DRIVER's local default
 * keeps files on one machine's disk, which the other pods of a Deployment cannot see.
 */
const REQUIRED_IN_PRODUCTION_EXPLICITLY: Partial<Record<keyof Environment, string>> = {
  STORAGE_DRIVER: 'gridfs or s3 for several pods; local only with one pod or a volume every pod mounts',
};

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'InvalidEnvironmentError';
  }
}

/** Variables the s3 storage driver cannot work without. */
const REQUIRED_FOR_S3: (keyof Environment)[] = ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'];

/** Read only when set: no default at all. */
const OPTIONAL: (keyof Environment)[] = [
  'SMTP_URL',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'REDIS_CLUSTER_USERNAME',
  'REDIS_CLUSTER_PASSWORD',
];

/** The name of every variable Malted reads. */
export const ENVIRONMENT_VARIABLES: string[] = [
  ...new Set([...Object.keys(new Environment()), ...REQUIRED_IN_PRODUCTION, ...REQUIRED_FOR_S3, ...OPTIONAL]),
];

/** Whether a feature that sends mail is on: then production needs a real mail server. */
export const mailFeaturesOn = (env: Environment): boolean => env.EMAIL_VERIFICATION_ENABLED || env.PASSWORD_RESET_ENABLED;

/** Validates raw variables (process.env by default) into a typed Environment or throws naming each bad variable. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const picked = Object.fromEntries(
    Object.entries(raw).filter(([key, value]) => ENVIRONMENT_VARIABLES.includes(key) && value !== undefined && value !== ''),
  );
  const env = plainToInstance(Environment, picked, { exposeDefaultValues: true });
  const problems = validateSync(env, { whitelist: true }).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((text) =>
      text.startsWith(error.property) ? text : `${error.property}: ${text} (got ${JSON.stringify(error.value)})`,
    ),
  );
  if (env.NODE_ENV === 'production') {
    for (const key of REQUIRED_IN_PRODUCTION) {
      if (env[key] === undefined) problems.push(`${key} is required when NODE_ENV=production`);
    }
    for (const [key, choices] of Object.entries(REQUIRED_IN_PRODUCTION_EXPLICITLY)) {
      if (picked[key] === undefined) problems.push(`${key} is required when NODE_ENV=production (${choices})`);
    }
  }
  if (env.REDIS_URL !== undefined && env.REDIS_CLUSTER_NODES !== undefined) {
    problems.push(
      'REDIS_URL and REDIS_CLUSTER_NODES exclude each other: set REDIS_URL for one Redis, REDIS_CLUSTER_NODES for a Redis Cluster',
    );
  }
  if (env.REDIS_CLUSTER_NODES === undefined) {
    for (const key of ['REDIS_CLUSTER_USERNAME', 'REDIS_CLUSTER_PASSWORD', 'REDIS_CLUSTER_TLS'] as const) {
      if (picked[key] !== undefined) problems.push(`${key} is only read with REDIS_CLUSTER_NODES (for one Redis, put it in REDIS_URL)`);
    }
  }
  if (env.NODE_ENV === 'production' && env.REDIS_URL === undefined && env.REDIS_CLUSTER_NODES === undefined) {
    problems.push('REDIS_URL is required when NODE_ENV=production (or REDIS_CLUSTER_NODES for a Redis Cluster)');
  }
  if (env.STORAGE_DRIVER === 's3') {
    for (const key of REQUIRED_FOR_S3) {
      if (env[key] === undefined) problems.push(`${key} is required when STORAGE_DRIVER=s3`);
    }
  }
  if (env.FILE_SERVING === 'accel' && env.STORAGE_DRIVER === 'gridfs') {
    problems.push('FILE_SERVING=accel needs STORAGE_DRIVER=local or s3 (nginx cannot read GridFS)');
  }
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  if (env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    problems.push('METRICS_PORT must differ from PORT (or be 0 to turn the metrics listener off)');
  }
  if (env.NODE_ENV === 'production' && mailFeaturesOn(env)) {
    // The defaults would send from malted@localhost, which real relays refuse.
    for (const key of ['SMTP_URL', 'MAIL_FROM'] as const) {
      if (picked[key] === undefined) {
        problems.push(
          `${key} is required when NODE_ENV=production while EMAIL_VERIFICATION_ENABLED or PASSWORD_RESET_ENABLED is true (they send mail)`,
        );
      }
    }
  }
  if (env.NODE_ENV === 'production' && env.NOTIFICATION_MAIL_ENABLED && env.SMTP_URL && picked.UNSUBSCRIBE_SECRET === undefined) {
    problems.push(
      'UNSUBSCRIBE_SECRET is required when NODE_ENV=production with SMTP_URL while NOTIFICATION_MAIL_ENABLED is true (it signs unsubscribe links)',
    );
  }
  if (env.PUBLIC_URL === undefined && env.NODE_ENV !== 'production') env.PUBLIC_URL = `http://localhost:${env.PORT}`;
  env.PUBLIC_URL = env.PUBLIC_URL?.replace(/\/$/, '');
  if (env.FILE_SERVING === 'redirect' && env.STORAGE_DRIVER !== 's3') {
    problems.push('FILE_SERVING=redirect needs STORAGE_DRIVER=s3 (only S3 can serve presigned URLs)');
  }
  if (problems.length > 0) throw new InvalidEnvironmentError(problems);
  return env;
}

/**
 * The configuration after local services were resolved: MONGODB_URI is known, and so is Redis (REDIS_URL, or
 * REDIS_CLUSTER_NODES for a Redis Cluster).
 */
export type ResolvedEnvironment = Environment & { MONGODB_URI: string };
