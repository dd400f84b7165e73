import { redisTargetOf } from '../common/redis/redis-connection';
import { tmpdir } from 'node:os';
import { InvalidEnvironmentError, validateEnvironment } from './environment';
import { RunMode } from './run-mode';

describe('validateEnvironment', () => {
  it('gives local defaults when nothing is set', () => {
    const env = validateEnvironment({});
    expect(env).toMatchObject({ NODE_ENV: 'development', MALTED_MODE: RunMode.All, PORT: 3000, REDIS_KEY_PREFIX: 'malted' });
    expect(env.MONGODB_URI).toBeUndefined();
  });

  it('converts numbers and booleans from their text', () => {
    const env = validateEnvironment({ PORT: '8080', SWAGGER_ENABLED: 'false', SHUTDOWN_DRAIN_MS: '5000' });
    expect(env).toMatchObject({ PORT: 8080, SWAGGER_ENABLED: false, SHUTDOWN_DRAIN_MS: 5000 });
  });

  it('names every bad variable at once', () => {
    const attempt = () => validateEnvironment({ PORT: '70000', SWAGGER_ENABLED: 'maybe', REDIS_URL: 'http://x' });
    expect(attempt).toThrow(InvalidEnvironmentError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as InvalidEnvironmentError).problems.join('\n');
      expect(problems).toMatch(/^PORT/m);
      expect(problems).toMatch(/^SWAGGER_ENABLED/m);
      expect(problems).toMatch(/^REDIS_URL/m);
    }
  });

  it('has no silent defaults for servers in production', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production', REDIS_URL: 'redis://r:6379' })).toThrow(
      /MONGODB_URI is required when NODE_ENV=production/,
    );
    expect(
      validateEnvironment({
        NODE_ENV: 'production',
        REDIS_URL: 'redis://r:6379',
        MONGODB_URI: 'mongodb://m/malted',
        PUBLIC_URL: 'https://malted.example.com',
        SMTP_URL: 'smtp://u:p@mail:587',
        STORAGE_DRIVER: 'gridfs',
        MAIL_FROM: 'Malted <malted@example.com>',
        UNSUBSCRIBE_SECRET: 'a production secret of 32 characters',
      }),
    ).toMatchObject({ NODE_ENV: 'production' });
  });

  it('takes a Redis Cluster by its nodes instead of REDIS_URL, never both, and says what is wrong', () => {
    const production = {
      NODE_ENV: 'production',
      MONGODB_URI: 'mongodb://m/malted',
      PUBLIC_URL: 'https://malted.example.com',
      STORAGE_DRIVER: 'gridfs',
      EMAIL_VERIFICATION_ENABLED: 'false',
      PASSWORD_RESET_ENABLED: 'false',
    };
    const env = validateEnvironment({
      ...production,
      REDIS_CLUSTER_NODES: 'redis-0:6379, redis-1.example.com:7000,[::1]:6380',
      REDIS_CLUSTER_PASSWORD: 'secret',
      REDIS_CLUSTER_TLS: 'true',
    });
    expect(env).toMatchObject({ REDIS_CLUSTER_NODES: ['redis-0:6379', 'redis-1.example.com:7000', '[::1]:6380'], REDIS_CLUSTER_TLS: true });
    expect(env.REDIS_URL).toBeUndefined();
    expect(redisTargetOf(env)).toEqual({
      cluster: {
        nodes: [
          { host: 'redis-0', port: 6379 },
          { host: 'redis-1.example.com', port: 7000 },
          { host: '::1', port: 6380 },
        ],
        username: undefined,
        password: 'secret',
        tls: true,
      },
    });
    expect(() => validateEnvironment({ ...production, REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r:6379' })).toThrow(
      /REDIS_URL and REDIS_CLUSTER_NODES exclude each other/,
    );
    expect(() => validateEnvironment({ ...production, REDIS_CLUSTER_NODES: 'redis-0' })).toThrow(
      /REDIS_CLUSTER_NODES must be host:port pairs separated by commas/,
    );
    expect(() => validateEnvironment({ ...production, REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_PASSWORD: 'x' })).toThrow(
      /REDIS_CLUSTER_PASSWORD is only read with REDIS_CLUSTER_NODES/,
    );
    expect(() => validateEnvironment(production)).toThrow(/REDIS_URL is required when NODE_ENV=production \(or REDIS_CLUSTER_NODES/);
  });

  it('makes production choose where files live: the local default is one machine', () => {
    const servers = {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://r:6379',
      MONGODB_URI: 'mongodb://m/malted',
      PUBLIC_URL: 'https://malted.example.com',
      SMTP_URL: 'smtp://u:p@mail:587',
      MAIL_FROM: 'malted@example.com',
      UNSUBSCRIBE_SECRET: 'a production secret of 32 characters',
    };
    expect(() => validateEnvironment(servers)).toThrow(
      /STORAGE_DRIVER is required when NODE_ENV=production \(gridfs or s3 for several pods/,
    );
    expect(validateEnvironment({ ...servers, STORAGE_DRIVER: 'local' })).toMatchObject({ STORAGE_DRIVER: 'local' });
  });

  it('needs its own UNSUBSCRIBE_SECRET in production while notification mail goes out, of 32 characters or more', () => {
    const mailing = {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://r:6379',
      MONGODB_URI: 'mongodb://m/malted',
      PUBLIC_URL: 'https://malted.example.com',
      STORAGE_DRIVER: 'gridfs',
      SMTP_URL: 'smtp://mail:25',
      MAIL_FROM: 'malted@example.com',
    };
    expect(() => validateEnvironment(mailing)).toThrow(/UNSUBSCRIBE_SECRET is required when NODE_ENV=production/);
    expect(() => validateEnvironment({ ...mailing, UNSUBSCRIBE_SECRET: 'short' })).toThrow(/UNSUBSCRIBE_SECRET must be at least 32/);
    expect(validateEnvironment({ ...mailing, NOTIFICATION_MAIL_ENABLED: 'false' }).NOTIFICATION_MAIL_ENABLED).toBe(false);
    const { SMTP_URL: _none, ...withoutMail } = mailing;
    expect(
      validateEnvironment({ ...withoutMail, EMAIL_VERIFICATION_ENABLED: 'false', PASSWORD_RESET_ENABLED: 'false' }).UNSUBSCRIBE_SECRET,
    ).toMatch(/^development-only/); // nothing is mailed, so nothing is signed
    expect(validateEnvironment({}).NOTIFICATION_MAIL_ENABLED).toBe(true);
  });

  it('has no default PUBLIC_URL in production, http://localhost:<PORT> elsewhere, and takes only an origin', () => {
    const servers = {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://r:6379',
      MONGODB_URI: 'mongodb://m/malted',
      SMTP_URL: 'smtp://mail:25',
      MAIL_FROM: 'malted@example.com',
    };
    expect(() => validateEnvironment(servers)).toThrow(/PUBLIC_URL is required when NODE_ENV=production/);
    expect(validateEnvironment({}).PUBLIC_URL).toBe('http://localhost:3000');
    expect(validateEnvironment({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080');
    expect(validateEnvironment({ PUBLIC_URL: 'https://malted.example.com/' }).PUBLIC_URL).toBe('https://malted.example.com');
    expect(validateEnvironment({ PUBLIC_URL: 'http://10.0.0.5:8080' }).PUBLIC_URL).toBe('http://10.0.0.5:8080');
    for (const bad of ['malted.example.com', 'ftp://malted.example.com', 'https://malted.example.com/app', 'https://x.com?a=1']) {
      expect(() => validateEnvironment({ PUBLIC_URL: bad })).toThrow(/PUBLIC_URL must be an absolute http\(s\) origin/);
    }
  });

  it('needs SMTP_URL in production while a feature that mails is on, and not otherwise', () => {
    const servers = {
      NODE_ENV: 'production',
      REDIS_URL: 'redis://r:6379',
      MONGODB_URI: 'mongodb://m/malted',
      PUBLIC_URL: 'https://malted.example.com',
      STORAGE_DRIVER: 'gridfs',
    };
    expect(() => validateEnvironment(servers)).toThrow(/SMTP_URL is required when NODE_ENV=production/);
    expect(() => validateEnvironment(servers)).toThrow(/MAIL_FROM is required when NODE_ENV=production/);
    expect(() => validateEnvironment({ ...servers, PASSWORD_RESET_ENABLED: 'false' })).toThrow(/SMTP_URL is required/);
    expect(() => validateEnvironment({ ...servers, SMTP_URL: 'smtp://mail:25' })).toThrow(/MAIL_FROM is required/);
    const secret = { UNSUBSCRIBE_SECRET: 'a production secret of 32 characters' };
    expect(validateEnvironment({ ...servers, ...secret, SMTP_URL: 'smtp://mail:25', MAIL_FROM: 'malted@example.com' }).SMTP_URL).toBe(
      'smtp://mail:25',
    );
    expect(
      validateEnvironment({ ...servers, PASSWORD_RESET_ENABLED: 'false', EMAIL_VERIFICATION_ENABLED: 'false' }).SMTP_URL,
    ).toBeUndefined();
    expect(validateEnvironment({}).SMTP_URL).toBeUndefined();
    expect(() => validateEnvironment({ SMTP_URL: 'http://mail:25' })).toThrow(/SMTP_URL must be an smtp:\/\/ or smtps:\/\/ URL/);
    expect(() => validateEnvironment({ MAIL_FROM: 'not an address' })).toThrow(/MAIL_FROM/);
    expect(validateEnvironment({ MAIL_FROM: 'Our Site <hello@example.com>' }).MAIL_FROM).toBe('Our Site <hello@example.com>');
  });

  it('lets unverified accounts do everything but upload, unless configured', () => {
    expect(validateEnvironment({}).EMAIL_VERIFICATION_REQUIRED_FOR).toEqual(['upload']);
    expect(validateEnvironment({ EMAIL_VERIFICATION_REQUIRED_FOR: 'upload, comment' }).EMAIL_VERIFICATION_REQUIRED_FOR).toEqual([
      'upload',
      'comment',
    ]);
    expect(validateEnvironment({ EMAIL_VERIFICATION_REQUIRED_FOR: 'none' }).EMAIL_VERIFICATION_REQUIRED_FOR).toEqual([]);
    expect(() => validateEnvironment({ EMAIL_VERIFICATION_REQUIRED_FOR: 'upload,fly' })).toThrow(/EMAIL_VERIFICATION_REQUIRED_FOR/);
  });

  it('keeps registration open and reset links valid for an hour unless configured', () => {
    expect(validateEnvironment({})).toMatchObject({
      REGISTRATION: 'open',
      PASSWORD_RESET_TTL_MINUTES: 60,
      EMAIL_VERIFICATION_TTL_HOURS: 48,
    });
    expect(validateEnvironment({ REGISTRATION: 'invite' }).REGISTRATION).toBe('invite');
    expect(() => validateEnvironment({ REGISTRATION: 'sometimes' })).toThrow(/REGISTRATION/);
  });

  it('has upload limits of 30 MiB and 100 megapixels unless configured', () => {
    expect(validateEnvironment({})).toMatchObject({ UPLOAD_MAX_BYTES: 31457280, UPLOAD_MAX_PIXELS: 100000000 });
    expect(validateEnvironment({}).UPLOAD_TMP_DIR).toBe(tmpdir());
    expect(validateEnvironment({ UPLOAD_MAX_BYTES: '1048576', UPLOAD_TMP_DIR: '/var/tmp' })).toMatchObject({
      UPLOAD_MAX_BYTES: 1048576,
      UPLOAD_TMP_DIR: '/var/tmp',
    });
    expect(() => validateEnvironment({ UPLOAD_MAX_BYTES: '30MB' })).toThrow(/UPLOAD_MAX_BYTES/);
    expect(() => validateEnvironment({ UPLOAD_MAX_PIXELS: '0' })).toThrow(/UPLOAD_MAX_PIXELS/);
  });

  it('gives a client 10 s for the headers and 2 min for the whole request unless configured, never less for the request', () => {
    expect(validateEnvironment({})).toMatchObject({ HTTP_HEADERS_TIMEOUT_MS: 10000, HTTP_REQUEST_TIMEOUT_MS: 120000 });
    expect(validateEnvironment({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_REQUEST_TIMEOUT_MS: '2000' })).toMatchObject({
      HTTP_HEADERS_TIMEOUT_MS: 2000,
      HTTP_REQUEST_TIMEOUT_MS: 2000,
    });
    expect(() => validateEnvironment({ HTTP_REQUEST_TIMEOUT_MS: '5000' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS must not be longer/);
    expect(() => validateEnvironment({ HTTP_HEADERS_TIMEOUT_MS: '0' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });

  it('bounds each search to 5 s of database time unless configured', () => {
    expect(validateEnvironment({}).SEARCH_TIMEOUT_MS).toBe(5000);
    expect(validateEnvironment({ SEARCH_TIMEOUT_MS: '250' }).SEARCH_TIMEOUT_MS).toBe(250);
    expect(() => validateEnvironment({ SEARCH_TIMEOUT_MS: '0' })).toThrow(/SEARCH_TIMEOUT_MS/);
  });

  it('prunes read notifications after 90 days, keeping 100 per user, unless configured', () => {
    expect(validateEnvironment({})).toMatchObject({ NOTIFICATIONS_PRUNE_AFTER_DAYS: 90, NOTIFICATIONS_KEEP_PER_USER: 100 });
    expect(validateEnvironment({ NOTIFICATIONS_PRUNE_AFTER_DAYS: '7', NOTIFICATIONS_KEEP_PER_USER: '0' })).toMatchObject({
      NOTIFICATIONS_PRUNE_AFTER_DAYS: 7,
      NOTIFICATIONS_KEEP_PER_USER: 0,
    });
    expect(() => validateEnvironment({ NOTIFICATIONS_PRUNE_AFTER_DAYS: '0' })).toThrow(/NOTIFICATIONS_PRUNE_AFTER_DAYS/);
    expect(() => validateEnvironment({ NOTIFICATIONS_PRUNE_AFTER_DAYS: '30d' })).toThrow(/NOTIFICATIONS_PRUNE_AFTER_DAYS/);
    expect(() => validateEnvironment({ NOTIFICATIONS_KEEP_PER_USER: '-1' })).toThrow(/NOTIFICATIONS_KEEP_PER_USER/);
  });

  it('serves metrics on a port of their own, 9464 unless configured, with an optional token', () => {
    expect(validateEnvironment({})).toMatchObject({ METRICS_PORT: 9464, METRICS_TOKEN: undefined });
    expect(validateEnvironment({ METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
    expect(() => validateEnvironment({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(/METRICS_PORT must differ from PORT/);
    expect(() => validateEnvironment({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(validateEnvironment({ METRICS_TOKEN: 'a-long-enough-token' }).METRICS_TOKEN).toBe('a-long-enough-token');
  });

  it('ignores variables it does not know', () => {
    expect(validateEnvironment({ PATH: '/bin', HOME: '/root' })).not.toHaveProperty('PATH');
  });

  it('stores files on the local disk under ./data/files unless told otherwise', () => {
    expect(validateEnvironment({})).toMatchObject({
      STORAGE_DRIVER: 'local',
      STORAGE_LOCAL_DIR: './data/files',
      S3_FORCE_PATH_STYLE: false,
    });
    expect(() => validateEnvironment({ STORAGE_DRIVER: 'ftp' })).toThrow(/^ {2}- STORAGE_DRIVER/m);
  });

  it('requires the bucket and credentials, naming each, when STORAGE_DRIVER=s3', () => {
    try {
      validateEnvironment({ STORAGE_DRIVER: 's3', S3_ACCESS_KEY_ID: 'id' });
      throw new Error('accepted an s3 driver without a bucket');
    } catch (error) {
      expect((error as InvalidEnvironmentError).problems).toEqual([
        'S3_BUCKET is required when STORAGE_DRIVER=s3',
        'S3_SECRET_ACCESS_KEY is required when STORAGE_DRIVER=s3',
      ]);
    }
    const complete = { STORAGE_DRIVER: 's3', S3_BUCKET: 'malted', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' };
    expect(validateEnvironment(complete)).toMatchObject({ ...complete, S3_REGION: 'us-east-1' });
  });

  it('accepts self-hosted S3 endpoints and refuses malformed ones', () => {
    const env = validateEnvironment({ S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' });
    expect(env).toMatchObject({ S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: true });
    expect(validateEnvironment({ S3_ENDPOINT: 'http://127.0.0.1:9000' }).S3_ENDPOINT).toBe('http://127.0.0.1:9000');
    expect(() => validateEnvironment({ S3_ENDPOINT: 'minio:9000' })).toThrow(/S3_ENDPOINT must be an http\(s\) URL/);
    expect(() => validateEnvironment({ S3_BUCKET: 'Bad_Bucket' })).toThrow(/S3_BUCKET must be a bucket name/);
  });

  it('serves by presigned redirect only from S3', () => {
    expect(() => validateEnvironment({ FILE_SERVING: 'redirect' })).toThrow(/FILE_SERVING=redirect needs STORAGE_DRIVER=s3/);
    expect(() => validateEnvironment({ FILE_SERVING: 'teleport' })).toThrow(/FILE_SERVING/);
  });

  it('serves through nginx only from a store nginx can read', () => {
    expect(() => validateEnvironment({ FILE_SERVING: 'accel', STORAGE_DRIVER: 'gridfs' })).toThrow(
      /FILE_SERVING=accel needs STORAGE_DRIVER=local or s3/,
    );
    expect(validateEnvironment({ FILE_SERVING: 'accel', STORAGE_DRIVER: 'local' })).toMatchObject({
      FILE_ACCEL_PREFIX: '/_storage',
      FILE_ACCEL_S3_PREFIX: '/_s3',
    });
    expect(() => validateEnvironment({ FILE_ACCEL_S3_PREFIX: 's3' })).toThrow(/FILE_ACCEL_S3_PREFIX must be a path/);
  });
});
