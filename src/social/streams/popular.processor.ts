import { Process, Processor } from '@nestjs/bull';
import type { OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bull';
import { CacheGenerationsService } from '../../common/cache/cache-generations.service';
import { CacheScope } from '../../common/cache/cache-scope';
import { JobProducer } from '../../jobs/job-producer';
import { QUEUES } from '../../jobs/queues';
import { PopularService } from './popular.service';

/** How often the popular ranking is taken anew. */
export const POPULAR_REFRESH_MS = 5 * 60 * 1000;

@Processor(QUEUES.streams.name)
export class PopularProcessor implements OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobProducer,
    private readonly popular: PopularService,
    private readonly generations: CacheGenerationsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // The first ranking of a fresh installation comes with its first run, within POPULAR_REFRESH_MS.
    await this.jobs.repeat('streams/popular-snapshot', POPULAR_REFRESH_MS);
  }

  @Process(QUEUES.streams.jobs.popularSnapshot)
  async snapshot(_job: Job): Promise<{ snapshotId: string; size: number }> {
    const { snapshotId, size } = await this.popular.takeSnapshot();
    await this.generations.bump(CacheScope.stream('popular'));
    return { snapshotId: snapshotId.toHexString(), size };
  }
}
