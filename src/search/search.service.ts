import type { SearchDocument, SearchHit } from './search-document';
import type { SearchKind, SearchType } from './search-kinds';
import type { SearchVisibility } from './visibility';

/** Injection token of the search engine in use (the database index today; a dedicated engine could take its place). */
export const SEARCH_SERVICE = Symbol('SEARCH_SERVICE');

export interface SearchRequest {
  type: SearchType;
  /** As the client typed it; the engine parses it with parseSearchQuery. */
  q: string;
  /** The `next` of the previous page. */
  cursor?: string;
  limit: number;
  /** Files: only originals, not saved copies. */
  originalsOnly: boolean;
  visibility: SearchVisibility;
}

export interface SearchPage {
  type: SearchType;
  items: SearchHit[];
  /** Pass as cursor for the next page; absent on the last page. */
  next?: string;
}

export interface SearchRef {
  kind: SearchKind;
  id: string;
}

/**
 * Everything the rest of Malted asks of search, whatever engine answers. Callers never see how entries are
 * stored: features enqueue index jobs through SearchIndexer; the jobs build SearchDocuments from the sources
 * and hand them here; the controller asks for pages.
 */
export interface SearchService {
  /** One page of results, best first. Throws InvalidInputError (400) for a bad q or cursor. */
  search(request: SearchRequest): Promise<SearchPage>;

  /** Makes the entry of one thing match this document (idempotent). rebuild stamps it as confirmed by that rebuild. */
  upsert(document: SearchDocument, rebuild?: number): Promise<void>;

  /** Removes the entry of one thing, if there is one (idempotent). */
  remove(ref: SearchRef): Promise<void>;

  /**
   * Marks every post of these stored bytes NSFW at once (the flag is one-way and belongs to the bytes), which hides
   * them from every viewer who did not opt in.
   */
  hideNsfwSource(sourceId: string): Promise<void>;

  /** Entries the given rebuild did not confirm: their sources may be gone, so the rebuild checks each again. */
  unconfirmedBy(rebuild: number): AsyncIterable<SearchRef>;

  /** How many entries there are (for progress and tests). */
  count(): Promise<number>;
}
