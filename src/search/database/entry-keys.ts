import { termsOf } from '../text/normalise';

/**
 * The keys of a search entry, all in one multikey-indexed array, told apart by their form (terms never hold
 * punctuation, so the forms cannot collide):
 *   "=cafe"       the whole term "cafe"             (what every word but the last must match)
 *   "ca" … "cafe" each prefix of 2+ characters      (what the last word may match, search-as-you-type)
 *   "from:alice"  a filter value (owner, shake)     (what from: and in: match)
 * One index on (kind, keys, rank) then serves words, prefixes and filters alike.
 */

export const MIN_PREFIX_LENGTH = 2;

/** Caps the entry size: a long description contributes its first terms only (fields come most important first). */
export const MAX_TERMS_PER_ENTRY = 200;

export const exactKey = (term: string): string => `=${term}`;
export const prefixKey = (prefix: string): string => prefix;
export const filterKey = (name: 'from' | 'in', value: string): string => `${name}:${value.toLowerCase()}`;

/** The prefixes of a term from MIN_PREFIX_LENGTH characters up to the whole term. */
export function prefixesOf(term: string): string[] {
  const points = [...term];
  const prefixes: string[] = [];
  for (let length = MIN_PREFIX_LENGTH; length <= points.length; length++) prefixes.push(points.slice(0, length).join(''));
  return prefixes;
}

/** Every key of an entry made from these texts (most important first) and filter keys. */
export function entryKeys(texts: string[], filterKeys: string[]): string[] {
  const terms = new Set<string>();
  for (const text of texts) {
    for (const term of termsOf(text)) {
      if (terms.size >= MAX_TERMS_PER_ENTRY) break;
      terms.add(term);
    }
  }
  const keys = new Set<string>(filterKeys);
  for (const term of terms) {
    keys.add(exactKey(term));
    for (const prefix of prefixesOf(term)) keys.add(prefixKey(prefix));
  }
  return [...keys];
}
