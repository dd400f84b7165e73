import { Inject, Injectable, Logger } from '@nestjs/common';
import { type IndexOutcome, SearchIndexing } from './search-indexing';
import type { SearchKind } from './search-kinds';
import { SEARCH_SERVICE, type SearchRef, type SearchService } from './search.service';
import { SearchSources } from './sources/search-sources';

const BATCH_SIZE = 200;
/** Things indexed at once: enough to hide round trips, few enough to leave the database to the site. */
const PARALLEL = 8;

export interface RebuildProgress {
  phase: SearchKind | 'sweep';
  done: number;
  total?: number;
}

export interface RebuildResult {
  indexed: number;
  removed: number;
  /** Entries no walk confirmed, checked again against their sources (and removed if those are gone). */
  swept: number;
  tookMs: number;
}

/**
 * Rebuilds the whole index from the source collections while the site is live. Every entry it writes is
 * stamped with the rebuild's start time; it walks users, shakes and posts (upserting through the same
 * indexOne as the incremental jobs, so it never overwrites a newer state); last it checks every entry it did
 * not stamp: an entry whose source is gone is removed, any other one (written by a job meanwhile) is kept.
 * Nothing is ever dropped first, so searches keep working throughout.
 */
@Injectable()
export class SearchRebuild {
  private readonly logger = new Logger(SearchRebuild.name);

  constructor(
    @Inject(SEARCH_SERVICE) private readonly search: SearchService,
    private readonly sources: SearchSources,
    private readonly indexing: SearchIndexing,
  ) {}

  async run(stamp: number, report: (progress: RebuildProgress) => Promise<void>): Promise<RebuildResult> {
    const started = Date.now();
    const result = { indexed: 0, removed: 0, swept: 0 };
    const count = (outcome: IndexOutcome) => (outcome === 'indexed' ? result.indexed++ : result.removed++);
    this.logger.log(`search rebuild ${stamp}: started`);

    for (const kind of ['user', 'shake', 'file'] as const) {
      const total = await this.sources.estimate(kind);
      let done = 0;
      for await (const ids of this.sources.walk(kind, BATCH_SIZE)) {
        await inParallel(ids, async (id) => count(await this.indexing.indexOne(kind, id, stamp)));
        done += ids.length;
        this.logger.log(`search rebuild ${stamp}: ${kind}s ${done}/${Math.max(done, total)}`);
        await report({ phase: kind, done, total: Math.max(done, total) });
      }
    }

    for await (const refs of batches(this.search.unconfirmedBy(stamp), BATCH_SIZE)) {
      await inParallel(refs, async (ref) => count(await this.indexing.indexOne(ref.kind, ref.id, stamp)));
      result.swept += refs.length;
      this.logger.log(`search rebuild ${stamp}: checked ${result.swept} entries no walk confirmed`);
      await report({ phase: 'sweep', done: result.swept });
    }

    const finished = { ...result, tookMs: Date.now() - started };
    this.logger.log({ ...finished }, `search rebuild ${stamp}: finished`);
    return finished;
  }
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
}

async function* batches(refs: AsyncIterable<SearchRef>, size: number): AsyncIterable<SearchRef[]> {
  let batch: SearchRef[] = [];
  for await (const ref of refs) {
    batch.push(ref);
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
