import { Process, Processor } from '@nestjs/bull';
import { type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bull';
import { Types } from 'mongoose';
import { objectIdIn } from '../jobs/job-payload';
import { JobProducer } from '../jobs/job-producer';
import { type AccountExportJob, type AccountRemoveJob, QUEUES } from '../jobs/queues';
import { AccountExportsService } from './account-exports.service';
import { AccountRemovalService, type RemovalResult } from './account-removal.service';

/** How often expired exports are removed and due deletions queued. */
export const ACCOUNT_SWEEP_EVERY_MS = 60 * 60 * 1000;

@Processor(QUEUES.account.name)
export class AccountProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobProducer,
    private readonly exports: AccountExportsService,
    private readonly removal: AccountRemovalService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.repeat('account/sweep', ACCOUNT_SWEEP_EVERY_MS);
  }

  @Process(QUEUES.account.jobs.export)
  async export(job: Job<AccountExportJob>): Promise<void> {
    if (!Types.ObjectId.isValid(job.data.exportId)) return;
    await this.exports.build(new Types.ObjectId(job.data.exportId));
  }

  @Process(QUEUES.account.jobs.remove)
  async remove(job: Job<AccountRemoveJob>): Promise<RemovalResult | { removed: false }> {
    return (await this.removal.remove(await objectIdIn(job, job.data.userId))) ?? { removed: false };
  }

  @Process(QUEUES.account.jobs.sweep)
  async sweep(_job: Job): Promise<{ exportsExpired: number; removalsStarted: number; removalsResumed: number }> {
    return { exportsExpired: await this.exports.sweepExpired(), ...(await this.removal.sweep()) };
  }
}
