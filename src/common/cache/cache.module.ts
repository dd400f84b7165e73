import KeyvRedis from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Keyv } from 'keyv';
import type { ResolvedEnvironment } from '../../config/environment';
import { redisTargetFrom } from '../redis/redis-connection';
import { CacheGenerationsService } from './cache-generations.service';
import { CacheMetrics } from './cache-metrics';
import { MediaInvalidations } from './media-invalidations.service';
import { ResponseCacheInterceptor } from './response-cache.interceptor';
import { ResponseCacheStore } from './response-cache.store';

/**
 * cache-manager with a Redis store shared by every pod. @keyv/redis rather than cache-manager-redis-store:
 * the latter, wrapped by cache-manager 7's KeyvAdapter, never sets a Redis TTL (entries live forever and are
 * only dropped lazily on read), and it has been unmaintained since 2022.
 */
const CacheManagerModule = CacheModule.registerAsync({
  isGlobal: true,
  inject: [ConfigService],
  useFactory: (config: ConfigService<ResolvedEnvironment, true>) => {
    const target = redisTargetFrom(config);
    // @keyv/redis speaks node-redis, whose cluster client takes the same nodes and credentials.
    const store =
      'url' in target
        ? new KeyvRedis(target.url)
        : new KeyvRedis({
            rootNodes: target.cluster.nodes.map(({ host, port }) => ({ socket: { host, port, tls: target.cluster.tls } })),
            defaults: { username: target.cluster.username, password: target.cluster.password, socket: { tls: target.cluster.tls } },
          });
    return {
      stores: [new Keyv({ store, namespace: `${config.get('REDIS_KEY_PREFIX', { infer: true })}:cache` })],
      ttl: 60_000,
    };
  },
});

/**
 * Caching for every module: cache-manager for values, and the HTTP response cache (@CachedResponse on a route,
 * CacheGenerationsService.bump after a write). The response cache talks to Redis directly because a hit must be one
 * round trip (a script reads the generations and the entry together) and send the stored bytes untouched.
 */
@Global()
@Module({
  imports: [CacheManagerModule],
  providers: [ResponseCacheStore, CacheGenerationsService, CacheMetrics, ResponseCacheInterceptor, MediaInvalidations],
  exports: [CacheManagerModule, CacheGenerationsService, CacheMetrics, ResponseCacheStore, ResponseCacheInterceptor, MediaInvalidations],
})
export class AppCacheModule {}
