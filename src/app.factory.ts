import { ValidationPipe, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter';
import { assignRequestId } from './common/http/request-id';
import type { ResolvedEnvironment } from './config/environment';
import { servesApi } from './config/run-mode';
import { setUpSwagger } from './swagger';

/** Paths outside /api/v1: probes and operator endpoints. */
export const UNVERSIONED_PATHS = ['health/live', 'health/ready'];

/** Builds the application exactly as it runs in production; main.ts and the e2e tests both use it. */
export async function createApp(env: ResolvedEnvironment): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forEnvironment(env), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();

  app.set('trust proxy', env.TRUST_PROXY_HOPS);
  app.use(assignRequestId);
  app.use(helmet());
  app.useBodyParser('json', { limit: env.JSON_BODY_LIMIT });
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
