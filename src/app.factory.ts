import { type Type, ValidationPipe, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { Server } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { ACCOUNT_PAGE_ROUTES } from './auth/account-pages.controller';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { errorBody } from './common/filters/error-body';
import { boundedBodyParser } from './common/http/body-limits';
import { refuseMisshapenBodies } from './common/http/body-shape';
import { assignRequestId } from './common/http/request-id';
import { HttpMetrics } from './common/metrics/http-metrics';
import type { ResolvedEnvironment } from './config/environment';
import { servesApi } from './config/run-mode';
import { SHORT_MEDIA_PATHS } from './files/delivery/short-media-paths';
import { UNSUBSCRIBE_PAGE_ROUTE } from './notifications/mail/unsubscribe-token';
import { PAGE_ROUTES } from './pages/page-routes';
import { routeShakePages } from './pages/route-shake-pages';
import { setUpSwagger } from './swagger';

/**
 * Paths outside /api/v1: the probes, the queue dashboard with its sign-in page, the short media URLs, the pages
 * mailed links open, and the share pages, oEmbed and feeds.
 */
export const UNVERSIONED_PATHS = [
  'health/live',
  'health/ready',
  'admin/sign-in',
  'admin/sign-in.js',
  'admin/queues',
  'admin/queues/{*path}',
  ...Object.values(SHORT_MEDIA_PATHS).map((path) => `${path}/:key`),
  ...ACCOUNT_PAGE_ROUTES,
  UNSUBSCRIBE_PAGE_ROUTE,
  ...PAGE_ROUTES,
];

/** A worker loads no routes but the probes; anything else gets Malted's JSON 404 saying why. */
function onlyHealthRoutes(req: Request, res: Response, next: NextFunction): void {
  if (req.path.startsWith('/health/')) return next();
  res.status(404).json(errorBody(404, 'This is a worker: it serves only /health/live and /health/ready', String(req.id)));
}

/**
 * Builds the application exactly as it runs in production; main.ts and the e2e tests both use it. `extra`
 * modules join it as they are (benchmarks add a baseline route that way).
 */
export async function createApp(env: ResolvedEnvironment, extra: Type[] = []): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forEnvironment(env, extra), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  // Slow clients (headers or a body trickling in) are answered 408 and cut off past these bounds. Node checks them
  // every connectionsCheckingInterval (30 s by default, read when the server starts listening): every second here.
  const server = app.getHttpServer() as Server;
  server.headersTimeout = env.HTTP_HEADERS_TIMEOUT_MS;
  server.requestTimeout = env.HTTP_REQUEST_TIMEOUT_MS;
  Object.assign(server, { connectionsCheckingInterval: 1000 });

  app.set('trust proxy', env.TRUST_PROXY_HOPS);
  app.use(app.get(HttpMetrics).middleware);
  app.use(assignRequestId);
  if (!servesApi(env.MALTED_MODE)) app.use(onlyHealthRoutes);
  app.use(helmet());
  app.use(boundedBodyParser('json', env.JSON_BODY_LIMIT));
  app.use(refuseMisshapenBodies);
  if (servesApi(env.MALTED_MODE)) app.use(routeShakePages);
  app.setGlobalPrefix('api', { exclude: UNVERSIONED_PATHS });
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());

  if (servesApi(env.MALTED_MODE) && env.SWAGGER_ENABLED) setUpSwagger(app);
  return app;
}
