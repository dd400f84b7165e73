import { InvalidInputError } from '../../common/errors/domain-errors';
import type { SearchType } from '../search-kinds';
import { termsOf } from '../text/normalise';

export const QUERY_MIN_LENGTH = 2;
export const QUERY_MAX_LENGTH = 200;
export const QUERY_MAX_WORDS = 10;

export type SearchFilterName = 'from' | 'in';

/** Which filters each type understands: from: is the owner (of a file or shake), in: the shake of a file. */
const FILTERS_OF_TYPE: Record<SearchType, SearchFilterName[]> = {
  files: ['from', 'in'],
  shakes: ['from'],
  users: [],
};

/** Usernames and shake names: 1-30 letters, digits, _ or - (anything else cannot name one). */
const FILTER_VALUE = /^[A-Za-z0-9_-]{1,30}$/;
const FILTER_TOKEN = /^(from|in):(.*)$/is;

/** A search as the engines take it: normalised words and filters, nothing of the raw text left. */
export interface ParsedSearchQuery {
  /** Normalised terms in the order typed, each once; every one must match, the last may match as a prefix. */
  words: string[];
  /** Lower-cased filter values. */
  filters: Partial<Record<SearchFilterName, string>>;
}

/**
 * Parses q into words and filters, or explains with a 400 what is wrong with it. The raw text never reaches a
 * query: words are normalised terms (letters and digits only) and filter values must look like names, so
 * "$where", ".*" or "{" can only ever be searched for as text.
 */
export function parseSearchQuery(q: string, type: SearchType): ParsedSearchQuery {
  const text = q.trim();
  const length = [...text].length;
  if (length === 0) throw new InvalidInputError('q is empty: give the words to search for');
  if (length < QUERY_MIN_LENGTH) throw new InvalidInputError(`q must be at least ${QUERY_MIN_LENGTH} characters`);
  if (length > QUERY_MAX_LENGTH) throw new InvalidInputError(`q must be at most ${QUERY_MAX_LENGTH} characters (got ${length})`);

  const words: string[] = [];
  const filters: ParsedSearchQuery['filters'] = {};
  for (const token of text.split(/\s+/u)) {
    const filter = FILTER_TOKEN.exec(token);
    if (!filter) {
      words.push(...termsOf(token));
      continue;
    }
    const name = filter[1].toLowerCase() as SearchFilterName;
    const value = filter[2];
    if (!FILTERS_OF_TYPE[type].includes(name)) {
      throw new InvalidInputError(`${name}: does not apply to type=${type}` + describeFilters(type));
    }
    if (!FILTER_VALUE.test(value)) {
      throw new InvalidInputError(`${name}: needs a ${name === 'from' ? 'username' : 'shake name'}, e.g. ${name}:alice`);
    }
    if (filters[name] !== undefined) throw new InvalidInputError(`q may have only one ${name}: filter`);
    filters[name] = value.toLowerCase();
  }

  const count = words.length + Object.keys(filters).length;
  if (count > QUERY_MAX_WORDS) throw new InvalidInputError(`q must have at most ${QUERY_MAX_WORDS} words (got ${count})`);
  return { words: dropRepeats(words), filters };
}

/** Keeps the first of repeated words, except that the last word stays last (it may match as a prefix). */
function dropRepeats(words: string[]): string[] {
  const last = words.at(-1);
  const unique = [...new Set(words.slice(0, -1))].filter((word) => word !== last);
  return last === undefined ? unique : [...unique, last];
}

function describeFilters(type: SearchType): string {
  const names = FILTERS_OF_TYPE[type];
  return names.length === 0 ? ' (it takes no filters)' : ` (it takes ${names.map((name) => `${name}:`).join(' and ')})`;
}
