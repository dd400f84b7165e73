import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Connection } from 'mongoose';
import { withTimeout } from '../common/async/with-timeout';

/**
 * The database is healthy when it answers a ping within the timeout. (Terminus's Mongoose indicator only
 * reads the driver's readyState, which stays "connected" for seconds after the server is gone.)
 */
@Injectable()
export class MongoHealthIndicator {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs: number) {
    const indicator = this.health.check(key);
    try {
      const db = this.connection.db;
      if (!db) throw new Error('not connected');
      await withTimeout(db.command({ ping: 1 }), timeoutMs);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
