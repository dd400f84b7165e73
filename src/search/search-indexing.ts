import { Inject, Injectable } from '@nestjs/common';
import { sameDocument } from './search-document';
import type { SearchKind } from './search-kinds';
import { SEARCH_SERVICE, type SearchService } from './search.service';
import { SearchSources } from './sources/search-sources';

/** A source that changes this often while one job indexes it is retried later by Bull instead. */
const MAX_ROUNDS = 5;

export type IndexOutcome = 'indexed' | 'removed';

/**
 * Brings the entry of one thing in line with its sources (the body of every index job and of the rebuild).
 *
 * Jobs for one thing may run at once (two edits in a row, or an edit during a rebuild), and each writes what it
 * read. So after writing, a job reads the sources again: if they changed since it read them, its write may be
 * older than another's and it writes again. Whichever job writes last has therefore written the current
 * state, and a post deleted while an older job was busy cannot come back.
 */
@Injectable()
export class SearchIndexing {
  constructor(
    @Inject(SEARCH_SERVICE) private readonly search: SearchService,
    private readonly sources: SearchSources,
  ) {}

  async indexOne(kind: SearchKind, id: string, rebuild?: number): Promise<IndexOutcome> {
    let document = await this.sources.build(kind, id);
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      if (document) await this.search.upsert(document, rebuild);
      else await this.search.remove({ kind, id });
      if (document?.nsfw && document.sourceId) await this.search.hideNsfwSource(document.sourceId);

      const current = await this.sources.build(kind, id);
      if (sameDocument(document, current)) return document ? 'indexed' : 'removed';
      document = current;
    }
    throw new Error(`the ${kind} ${id} kept changing while it was indexed; the job will retry`);
  }

  /** A user, and their user shake with them (it is named after them and shares their fate). */
  async indexUser(id: string, rebuild?: number): Promise<IndexOutcome> {
    const outcome = await this.indexOne('user', id, rebuild);
    const shakeId = await this.sources.userShakeId(id);
    if (shakeId) await this.indexOne('shake', shakeId, rebuild);
    return outcome;
  }

  /** A user, their user shake, and every group shake and post they own: disabling a user hides all of it. */
  async indexUserWithOwned(id: string): Promise<IndexOutcome> {
    const outcome = await this.indexUser(id);
    for await (const ref of this.sources.ownedBy(id)) await this.indexOne(ref.kind, ref.id);
    return outcome;
  }
}
