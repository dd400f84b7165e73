import { Process, Processor } from '@nestjs/bull';
import { Inject } from '@nestjs/common';
import type { RedisClient } from '../common/redis/redis-connection';
import { REDIS_CLIENT } from '../common/redis/redis.constants';
import { QUEUES } from '../jobs/queues';
import { INSTANCE_ID } from './instance-id';

export interface HeartbeatResult {
  instance: string;
  at: string;
}

/** Proves the worker runs: each heartbeat records which worker instance saw it last. */
@Processor(QUEUES.system.name)
export class SystemProcessor {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    @Inject(INSTANCE_ID) private readonly instanceId: string,
  ) {}

  @Process(QUEUES.system.jobs.heartbeat)
  async heartbeat(): Promise<HeartbeatResult> {
    const result = { instance: this.instanceId, at: new Date().toISOString() };
    await this.redis.set('worker:last-heartbeat', JSON.stringify(result), 'EX', 3600);
    return result;
  }
}
