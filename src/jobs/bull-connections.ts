import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { connectRedis, type RedisClient, type RedisTarget, redisTargetFrom } from '../common/redis/redis-connection';
import type { ResolvedEnvironment } from '../config/environment';
import { ALL_QUEUE_NAMES, type QueueName } from './queues';

/**
 * The prefix of a queue's keys. Bull's scripts use several keys of one queue at once, so on a Redis Cluster each
 * queue's keys carry a hash tag of their own (`{malted:bull:social}:social:wait`): one queue lives in one hash slot,
 * and the queues spread over the masters. On one Redis the keys stay as they always were (`malted:bull:social:wait`).
 */
export function bullPrefixOf(keyPrefix: string, queue: QueueName, cluster: boolean): string {
  return cluster ? `{${keyPrefix}:bull:${queue}}` : `${keyPrefix}:bull`;
}

type BullConnectionType = 'client' | 'subscriber' | 'bclient';

/**
 * Bull's connections to a Redis Cluster (Bull connects to one Redis by itself from a URL, but takes a cluster only
 * through createClient). The command and subscriber connections are shared by every queue, as Bull allows; each
 * queue's blocking connection is its own. Bull leaves the connections it did not make open, so they are closed here
 * once every queue has closed (a worker's queues first let their running jobs finish).
 */
@Injectable()
export class BullConnections implements OnApplicationShutdown {
  readonly target: RedisTarget;
  private readonly shared = new Map<BullConnectionType, RedisClient>();
  private readonly opened: RedisClient[] = [];

  constructor(
    config: ConfigService<ResolvedEnvironment, true>,
    private readonly moduleRef: ModuleRef,
  ) {
    this.target = redisTargetFrom(config);
  }

  get cluster(): boolean {
    return 'cluster' in this.target;
  }

  create(type: BullConnectionType): RedisClient {
    const existing = this.shared.get(type);
    if (existing) return existing;
    // Bull refuses blocking and subscriber connections that check readiness or give up on a command.
    const connection = connectRedis(this.target, type === 'client' ? {} : { enableReadyCheck: false, maxRetriesPerRequest: null });
    this.opened.push(connection);
    if (type !== 'bclient') {
      this.shared.set(type, connection);
      connection.setMaxListeners(0); // every queue listens to the shared connections
    }
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.opened.length === 0) return;
    const queues = ALL_QUEUE_NAMES.map((name) => this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    await Promise.all(this.opened.map((connection) => connection.quit().catch(() => connection.disconnect())));
  }
}
