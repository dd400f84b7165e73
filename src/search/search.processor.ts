import { Process, Processor } from '@nestjs/bull';
import type { Job } from 'bull';
import { Types } from 'mongoose';
import { CacheGenerationsService } from '../common/cache/cache-generations.service';
import { CacheScope } from '../common/cache/cache-scope';
import { QUEUES } from '../jobs/queues';
import type { IndexJobData } from '../jobs/search-indexer';
import { SearchIndexing, type IndexOutcome } from './search-indexing';
import { isSearchKind } from './search-kinds';
import { SearchRebuild, type RebuildResult } from './search-rebuild';

const { jobs } = QUEUES.search;

/** Search's slow work: every handler reads current state by id and is safe to run twice. */
@Processor(QUEUES.search.name)
export class SearchProcessor {
  constructor(
    private readonly indexing: SearchIndexing,
    private readonly rebuilder: SearchRebuild,
    private readonly generations: CacheGenerationsService,
  ) {}

  @Process({ name: jobs.index, concurrency: 4 })
  async index(job: Job<IndexJobData>): Promise<IndexOutcome> {
    const { kind, id, withOwned } = job.data;
    if (!isSearchKind(kind) || typeof id !== 'string' || !Types.ObjectId.isValid(id)) {
      await job.discard(); // it can never succeed
      throw new Error(`bad search index job: ${JSON.stringify(job.data)}`);
    }
    const outcome =
      kind !== 'user'
        ? await this.indexing.indexOne(kind, id)
        : withOwned
          ? await this.indexing.indexUserWithOwned(id)
          : await this.indexing.indexUser(id);
    await this.generations.bump(CacheScope.stream('search'));
    return outcome;
  }

  @Process(jobs.rebuild)
  async rebuild(job: Job): Promise<RebuildResult> {
    const result = await this.rebuilder.run(Date.now(), (progress) => job.progress(progress));
    await this.generations.bump(CacheScope.stream('search'));
    return result;
  }
}
