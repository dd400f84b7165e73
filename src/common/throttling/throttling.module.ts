import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type ExecutionContext, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import { createHash } from 'node:crypto';
import type { ResolvedEnvironment } from '../../config/environment';
import type { Cluster, default as Redis } from 'ioredis';
import type { RedisClient } from '../redis/redis-connection';
import { REDIS_CLIENT } from '../redis/redis.constants';
import { AppThrottlerGuard } from './app-throttler.guard';
import { FailOpenThrottlerStorage } from './fail-open.storage';
import { RATE_LIMIT_METADATA, type StrictLimit } from './rate-limit.decorator';
import { RateLimitMetrics } from './rate-limit-metrics';

const strictLimitOf = (context: ExecutionContext): StrictLimit | undefined =>
  Reflect.getMetadata(RATE_LIMIT_METADATA, context.getHandler()) as StrictLimit | undefined;

/** Authenticated calls count against their token, anonymous ones against the client address. */
const tokenOrAddress = (req: Record<string, unknown>): string => {
  const request = req as unknown as Request;
  const authorization = request.headers.authorization;
  return authorization ? `token:${createHash('sha256').update(authorization).digest('hex')}` : `ip:${request.ip ?? 'unknown'}`;
};
const address = (req: Record<string, unknown>): string => `ip:${(req as unknown as Request).ip ?? 'unknown'}`;

const HOUR = 3_600_000;
const MINUTE = 60_000;

/**
 * Rate limits in Redis, so they hold across API pods: a general hourly limit per token (or address), and
 * strict limits per address on login, registration and requests that send mail. Headers X-RateLimit-* report them; 429 past them.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [ConfigService, REDIS_CLIENT],
      useFactory: (config: ConfigService<ResolvedEnvironment, true>, redis: RedisClient) => ({
        storage: new FailOpenThrottlerStorage(
          // Its script's two keys share a hash tag, so it runs on a Redis Cluster too.
          redis.isCluster ? new ThrottlerStorageRedisService(redis as Cluster) : new ThrottlerStorageRedisService(redis as Redis),
          config.get('REDIS_REQUEST_TIMEOUT_MS', { infer: true }),
        ),
        errorMessage: 'Too many requests: slow down and retry after the time in Retry-After',
        throttlers: [
          {
            name: 'default',
            ttl: HOUR,
            limit: config.get('RATE_LIMIT_PER_HOUR', { infer: true }),
            getTracker: tokenOrAddress,
          },
          {
            name: 'login',
            ttl: MINUTE,
            limit: config.get('LOGIN_RATE_LIMIT_PER_MINUTE', { infer: true }),
            getTracker: address,
            skipIf: (context) => strictLimitOf(context) !== 'login',
          },
          {
            name: 'register',
            ttl: HOUR,
            limit: config.get('REGISTER_RATE_LIMIT_PER_HOUR', { infer: true }),
            getTracker: address,
            skipIf: (context) => strictLimitOf(context) !== 'register',
          },
          {
            name: 'mail',
            ttl: HOUR,
            limit: config.get('MAIL_RATE_LIMIT_PER_HOUR', { infer: true }),
            getTracker: address,
            skipIf: (context) => strictLimitOf(context) !== 'mail',
          },
        ],
      }),
    }),
  ],
  providers: [RateLimitMetrics, { provide: APP_GUARD, useClass: AppThrottlerGuard }],
})
export class ThrottlingModule {}
