import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { ConfigService } from '@nestjs/config';
import { Keyv } from 'keyv';
import type { ResolvedEnvironment } from '../../config/environment';

/**
 * cache-manager with a Redis store shared by every pod. @keyv/redis rather than cache-manager-redis-store:
 * the latter, wrapped by cache-manager 7's KeyvAdapter, never sets a Redis TTL (entries live forever and are
 * only dropped lazily on read), and it has been unmaintained since 2022.
 */
export const AppCacheModule = CacheModule.registerAsync({
  isGlobal: true,
  inject: [ConfigService],
  useFactory: (config: ConfigService<ResolvedEnvironment, true>) => ({
    stores: [
      new Keyv({
        store: new KeyvRedis(config.get('REDIS_URL', { infer: true })),
        namespace: `${config.get('REDIS_KEY_PREFIX', { infer: true })}:cache`,
      }),
    ],
    ttl: 60_000,
  }),
});
