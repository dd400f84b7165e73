import { type DynamicModule, Module, RequestMethod, type Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import { LoggerModule } from 'nestjs-pino';
import { AdminApiModule } from './admin/admin-api.module';
import { AuthModule } from './auth/auth.module';
import { AppCacheModule } from './common/cache/cache.module';
import { DatabaseModule } from './common/database/database.module';
import { REDACTED, redactQuery, redactUrl } from './common/http/redact-url';
import { requestIdFor } from './common/http/request-id';
import { MetricsModule } from './common/metrics/metrics.module';
import { RedisModule } from './common/redis/redis.module';
import { ThrottlingModule } from './common/throttling/throttling.module';
import type { ResolvedEnvironment } from './config/environment';
import { runsJobs, servesApi } from './config/run-mode';
import { isMediaPath } from './files/delivery/short-media-paths';
import { FilesApiModule } from './files/files-api.module';
import { FilesWorkerModule } from './files/files-worker.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { MailWorkerModule } from './mail/mail-worker.module';
import { AccountApiModule } from './account/account-api.module';
import { AccountWorkerModule } from './account/account-worker.module';
import { NotificationsApiModule } from './notifications/notifications-api.module';
import { NotificationsWorkerModule } from './notifications/notifications-worker.module';
import { PagesApiModule } from './pages/pages-api.module';
import { ShakesApiModule } from './shakes/shakes-api.module';
import { SocialApiModule } from './social/social-api.module';
import { SocialWorkerModule } from './social/social-worker.module';
import { SearchApiModule } from './search/search-api.module';
import { SearchWorkerModule } from './search/search-worker.module';
import { SiteApiModule } from './site/site-api.module';
import { UploadClientsApiModule } from './clients/upload-clients-api.module';
import { SystemModule } from './system/system.module';
import { UsersApiModule } from './users/users-api.module';

/** The longest a database operation waits for a server to talk to before it fails (see README "Reliability"). */
const DATABASE_WAIT_MS = 1500;
/** Log paths whose values never reach a log line (the URL's secrets are taken out by redactUrl). */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.currentPassword',
  '*.newPassword',
  '*.token',
  '*.code',
  '*.secret',
];

/** The request as pino-http serialised it, without the secrets its URL may carry (the mailed links' tokens). */
const redactedRequest = (req: { url?: string; query?: unknown }) => ({
  ...req,
  url: req.url && redactUrl(req.url),
  query: redactQuery(req.query),
});

@Module({})
export class AppModule {
  /** The whole application for one run mode, configured by an already validated environment. */
  static forEnvironment(env: ResolvedEnvironment, extra: Type[] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => env] }),
        LoggerModule.forRoot({
          forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
          pinoHttp: {
            level: env.LOG_LEVEL,
            genReqId: requestIdFor,
            redact: { paths: REDACTED_PATHS, censor: REDACTED },
            serializers: { req: redactedRequest },
            autoLogging: {
              ignore: (req) => (req.url?.startsWith('/health/') ?? false) || (!env.LOG_MEDIA_REQUESTS && isMediaPath(req.url ?? '')),
            },
          },
        }),
        // While the database is away, an operation fails within DATABASE_WAIT_MS (then 503) instead of waiting in
        // Mongoose's buffer for 10 s; the first connection is still retried (retryAttempts) at start-up.
        MongooseModule.forRoot(env.MONGODB_URI, { serverSelectionTimeoutMS: DATABASE_WAIT_MS, bufferCommands: false }),
        DatabaseModule,
        MetricsModule,
        RedisModule,
        AppCacheModule,
        JobsModule,
        SystemModule.forMode(env.MALTED_MODE),
        HealthModule,
        // Routes only where the API is served, processors only where jobs run (worker mode: health only).
        ...(servesApi(env.MALTED_MODE)
          ? [
              ThrottlingModule,
              AuthModule,
              UsersApiModule,
              ShakesApiModule,
              SocialApiModule,
              NotificationsApiModule,
              AccountApiModule,
              FilesApiModule,
              SearchApiModule,
              AdminApiModule,
              SiteApiModule,
              UploadClientsApiModule,
              PagesApiModule,
            ]
          : []),
        ...(runsJobs(env.MALTED_MODE)
          ? [SocialWorkerModule, FilesWorkerModule, SearchWorkerModule, NotificationsWorkerModule, MailWorkerModule, AccountWorkerModule]
          : []),
        ...extra,
      ],
    };
  }
}
