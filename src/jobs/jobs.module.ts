import { BullModule } from '@nestjs/bull';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { MongooseModule } from '@nestjs/mongoose';
import type { ResolvedEnvironment } from '../config/environment';
import { BullConnections, bullPrefixOf } from './bull-connections';
import { QueueMetrics } from './queue-metrics';
import { JobProducer } from './job-producer';
import { JobSweepers } from './job-sweepers';
import { JobState, JobStateSchema, OutboxEntry, OutboxEntrySchema } from './outbox.schema';
import { ALL_QUEUE_NAMES, DEFAULT_JOB_OPTIONS, STALLED_JOB_SETTINGS } from './queues';

const queues = BullModule.registerQueueAsync(
  ...ALL_QUEUE_NAMES.map((name) => ({
    name,
    inject: [ConfigService],
    useFactory: (config: ConfigService<ResolvedEnvironment, true>) =>
      // Only a cluster needs a prefix per queue; one Redis keeps the shared one below.
      config.get('REDIS_CLUSTER_NODES', { infer: true })
        ? { prefix: bullPrefixOf(config.get('REDIS_KEY_PREFIX', { infer: true }), name, true) }
        : {},
  })),
);
const models = MongooseModule.forFeature([
  { name: OutboxEntry.name, schema: OutboxEntrySchema },
  { name: JobState.name, schema: JobStateSchema },
]);

/** Bull's own connections to a Redis Cluster, made before the queues and closed after them. */
@Module({ providers: [BullConnections], exports: [BullConnections] })
class BullConnectionsModule {}

/**
 * Connects Bull to Redis and registers every queue once; JobProducer is how every feature queues a job, and
 * JobSweepers where the features' worker modules register their sweepers.
 */
@Global()
@Module({
  imports: [
    BullModule.forRootAsync({
      imports: [BullConnectionsModule],
      inject: [ConfigService, BullConnections],
      useFactory: (config: ConfigService<ResolvedEnvironment, true>, connections: BullConnections) => ({
        ...('url' in connections.target
          ? { url: connections.target.url }
          : { createClient: (type: 'client' | 'subscriber' | 'bclient') => connections.create(type) }),
        prefix: `${config.get('REDIS_KEY_PREFIX', { infer: true })}:bull`,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
        settings: { ...STALLED_JOB_SETTINGS },
      }),
    }),
    queues,
    models,
  ],
  providers: [QueueMetrics, JobProducer, JobSweepers],
  exports: [queues, models, JobProducer, JobSweepers],
})
export class JobsModule {}
