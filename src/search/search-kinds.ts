import { SEARCH_KINDS, type SearchKind } from '../jobs/search-indexer';

/** What can be searched. The API speaks of types (plural), jobs and entries of kinds (singular). */
export { SEARCH_KINDS, type SearchKind };

export const SEARCH_TYPES = ['files', 'shakes', 'users'] as const;
export type SearchType = (typeof SEARCH_TYPES)[number];

export const kindOfType = (type: SearchType): SearchKind => type.slice(0, -1) as SearchKind;

export const isSearchKind = (value: unknown): value is SearchKind => SEARCH_KINDS.includes(value as SearchKind);
