import type { ParsedSearchQuery } from '../query/search-query';
import { exactKey, filterKey, MIN_PREFIX_LENGTH, prefixKey } from './entry-keys';

/** The keys an entry must all have to be in one tier of the results, and one it must not have. */
export interface KeyTier {
  /** The first one drives the index walk (see pickDriving). */
  keys: string[];
  without?: string;
}

/**
 * The tiers of a search, best first:
 *   0. every word is a whole term of the entry ("cafe" finds "Café");
 *   1. the last word is only the start of a term ("caf" finds "Café", "cafeteria"), every other word whole.
 * Filter keys are in both. A query without words (only filters) has one tier; one with nothing searchable
 * (".*") has none and matches nothing.
 */
export function planTiers(query: ParsedSearchQuery): KeyTier[] {
  const filters = Object.entries(query.filters).map(([name, value]) => filterKey(name as 'from' | 'in', value));
  if (query.words.length === 0) return filters.length > 0 ? [{ keys: filters }] : [];

  const whole = query.words.map(exactKey);
  const last = query.words[query.words.length - 1];
  const tiers: KeyTier[] = [{ keys: pickDriving(filters, whole, []) }];
  if ([...last].length >= MIN_PREFIX_LENGTH) {
    tiers.push({ keys: pickDriving(filters, whole.slice(0, -1), [prefixKey(last)]), without: exactKey(last) });
  }
  return tiers;
}

/**
 * Orders the keys so that the one most likely to be rare comes first: the engine matches it with $eq, which
 * MongoDB walks on the index and FerretDB pushes down into SQL, and checks the others on what that walk finds.
 * Without term statistics, "rare" is guessed: a filter (one owner's or one shake's entries) before any word,
 * whole words before a prefix, longer before shorter.
 */
function pickDriving(filters: string[], whole: string[], prefixes: string[]): string[] {
  const longestFirst = (a: string, b: string) => [...b].length - [...a].length;
  return [...filters, ...[...whole].sort(longestFirst), ...prefixes];
}
