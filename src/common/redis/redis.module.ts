import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ResolvedEnvironment } from '../../config/environment';
import { connectRedis, type RedisClient, redisTargetFrom } from './redis-connection';
import { REDIS_CLIENT } from './redis.constants';

function waitUntilReady(redis: RedisClient, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<ResolvedEnvironment, true>) => {
        const redis = connectRedis(redisTargetFrom(config), {
          keyPrefix: `${config.get('REDIS_KEY_PREFIX', { infer: true })}:`,
          // Fail fast while Redis is away instead of queueing commands: callers degrade, health turns 503.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
        });
        // Without an offline queue, commands sent before the first connection fail: wait for it (briefly;
        // if Redis is down at start-up the app still starts, unready, and connects when Redis returns).
        await waitUntilReady(redis, 3000);
        return redis;
      },
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
