import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ResolvedEnvironment } from '../config/environment';
import { QueueMetrics } from './queue-metrics';
import { ALL_QUEUE_NAMES, DEFAULT_JOB_OPTIONS } from './queues';

const queues = BullModule.registerQueue(...ALL_QUEUE_NAMES.map((name) => ({ name })));

/** Connects Bull to Redis and registers every queue once, so any feature can inject any queue. */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<ResolvedEnvironment, true>) => ({
        url: config.get('REDIS_URL', { infer: true }),
        prefix: `${config.get('REDIS_KEY_PREFIX', { infer: true })}:bull`,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        settings: { stalledInterval: 30_000, maxStalledCount: 2 },
      }),
    }),
    queues,
  ],
  providers: [QueueMetrics],
  exports: [queues],
})
export class JobsModule {}
