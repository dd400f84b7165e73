import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { ResolvedEnvironment } from '../config/environment';
import { QueueMetrics } from './queue-metrics';
import { JobProducer } from './job-producer';
import { JobSweepers } from './job-sweepers';
import { JobState, JobStateSchema, OutboxEntry, OutboxEntrySchema } from './outbox.schema';
import { ALL_QUEUE_NAMES, DEFAULT_JOB_OPTIONS } from './queues';

const queues = BullModule.registerQueue(...ALL_QUEUE_NAMES.map((name) => ({ name })));
const models = MongooseModule.forFeature([
  { name: OutboxEntry.name, schema: OutboxEntrySchema },
  { name: JobState.name, schema: JobStateSchema },
]);

/**
 * Connects Bull to Redis and registers every queue once; JobProducer is how every feature queues a job, and
 * JobSweepers where the features' worker modules register their sweepers.
 */
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
    models,
  ],
  providers: [QueueMetrics, JobProducer, JobSweepers],
  exports: [queues, models, JobProducer, JobSweepers],
})
export class JobsModule {}
