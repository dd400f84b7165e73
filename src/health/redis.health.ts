import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../common/redis/redis-connection';
import { REDIS_CLIENT } from '../common/redis/redis.constants';
import { withTimeout } from '../common/async/with-timeout';

/** Redis is healthy when a write, a read of it and a delete all succeed within the timeout. */
@Injectable()
export class RedisHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs: number) {
    const indicator = this.health.check(key);
    const probeKey = `health:${randomUUID()}`;
    const roundTrip = async () => {
      await this.redis.set(probeKey, '1', 'PX', 10_000);
      const value = await this.redis.get(probeKey);
      await this.redis.del(probeKey);
      if (value !== '1') throw new Error('read back a different value');
    };
    try {
      await withTimeout(roundTrip(), timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
