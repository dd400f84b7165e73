import { Process, Processor } from '@nestjs/bull';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { ResolvedEnvironment } from '../config/environment';
import { JobProducer } from '../jobs/job-producer';
import { type PruneResult, QUEUES } from '../jobs/queues';
import { NotificationsService } from './notifications.service';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How often read notifications are pruned. */
export const NOTIFICATIONS_PRUNE_EVERY_MS = DAY_MS;

@Processor(QUEUES.notifications.name)
export class NotificationsProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(NotificationsProcessor.name);
  private readonly pruneAfterMs: number;
  private readonly keepPerUser: number;

  constructor(
    private readonly jobs: JobProducer,
    private readonly notifications: NotificationsService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.pruneAfterMs = config.get('NOTIFICATIONS_PRUNE_AFTER_DAYS', { infer: true }) * DAY_MS;
    this.keepPerUser = config.get('NOTIFICATIONS_KEEP_PER_USER', { infer: true });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.repeat('notifications/prune', NOTIFICATIONS_PRUNE_EVERY_MS);
  }

  /** The age is counted from when the job runs, so a retried or late run prunes what is due then. */
  @Process(QUEUES.notifications.jobs.prune)
  async prune(_job: Job): Promise<PruneResult> {
    const result = await this.notifications.pruneRead(new Date(Date.now() - this.pruneAfterMs), this.keepPerUser);
    if (result.deleted > 0) this.logger.log(`pruned ${result.deleted} read notifications of ${result.recipients} users`);
    return result;
  }
}
