import type { ConfigService } from '@nestjs/config';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { ResolvedEnvironment } from '../../config/environment';

/** A connection to one Redis or to a Redis Cluster: the same commands, routed by key on a cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisClusterTarget {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/** Where Redis is: one server (REDIS_URL) or some nodes of a Redis Cluster (REDIS_CLUSTER_NODES). */
export type RedisTarget = { url: string } | { cluster: RedisClusterTarget };

type RedisSettings = Pick<
  ResolvedEnvironment,
  'REDIS_URL' | 'REDIS_CLUSTER_NODES' | 'REDIS_CLUSTER_USERNAME' | 'REDIS_CLUSTER_PASSWORD' | 'REDIS_CLUSTER_TLS'
>;

export function redisTargetOf(env: RedisSettings): RedisTarget {
  if (env.REDIS_CLUSTER_NODES) {
    return {
      cluster: {
        nodes: env.REDIS_CLUSTER_NODES.map((node) => {
          const colon = node.lastIndexOf(':');
          return { host: node.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(node.slice(colon + 1)) };
        }),
        username: env.REDIS_CLUSTER_USERNAME,
        password: env.REDIS_CLUSTER_PASSWORD,
        tls: env.REDIS_CLUSTER_TLS,
      },
    };
  }
  if (!env.REDIS_URL) throw new Error('Neither REDIS_URL nor REDIS_CLUSTER_NODES is set');
  return { url: env.REDIS_URL };
}

/** The Redis target of the validated configuration. */
export function redisTargetFrom(config: ConfigService<ResolvedEnvironment, true>): RedisTarget {
  return redisTargetOf({
    REDIS_URL: config.get('REDIS_URL', { infer: true }),
    REDIS_CLUSTER_NODES: config.get('REDIS_CLUSTER_NODES', { infer: true }),
    REDIS_CLUSTER_USERNAME: config.get('REDIS_CLUSTER_USERNAME', { infer: true }),
    REDIS_CLUSTER_PASSWORD: config.get('REDIS_CLUSTER_PASSWORD', { infer: true }),
    REDIS_CLUSTER_TLS: config.get('REDIS_CLUSTER_TLS', { infer: true }),
  });
}

/**
 * Opens a connection with these options to one Redis or to the cluster. On a cluster, `retryStrategy` becomes the
 * cluster's reconnect schedule, `keyPrefix` and `enableOfflineQueue` apply to the cluster client, and every other
 * option (timeouts, retries per request, ready check, name) to the connection of each node.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if ('url' in target) return new Redis(target.url, options);
  const { keyPrefix, enableOfflineQueue, retryStrategy, lazyConnect, ...nodeOptions } = options;
  const { nodes, username, password, tls } = target.cluster;
  const clusterOptions: ClusterOptions = {
    keyPrefix,
    enableOfflineQueue,
    lazyConnect,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...nodeOptions, username, password, ...(tls ? { tls: {} } : {}) },
    // Nodes announce IP addresses; with TLS, connect to those addresses while checking the certificate against the
    // name that was given (managed clusters such as ElastiCache name their nodes in their certificates).
    ...(tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
  };
  return new Cluster(nodes, clusterOptions);
}

/**
 * A key part that keeps keys together: on a cluster `{name}`, a hash tag, so every key holding it lives in one hash
 * slot and can be used together in one script, pipeline or RENAMENX; on one Redis the plain name (the keys stay as
 * they always were there).
 */
export const sameSlot = (redis: RedisClient, name: string): string => (redis.isCluster ? `{${name}}` : name);
