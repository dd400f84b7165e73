/**
 * How text becomes search terms, the same way for what is indexed and for what is searched: Unicode
 * compatibility decomposition (NFKD), case folded, diacritics removed, split on anything that is not a letter
 * or a digit. "Café-Crème" gives ["cafe", "creme"].
 */

/** Letters that NFKD does not decompose but that people type without their stroke or ligature. */
const FOLDED_LETTERS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};
const FOLDED_PATTERN = new RegExp(`[${Object.keys(FOLDED_LETTERS).join('')}]`, 'gu');

/** Terms are cut to this many characters, both when indexed and when searched, so both sides agree. */
export const MAX_TERM_LENGTH = 40;

/** Lower-case, without diacritics or compatibility forms; punctuation is kept (split happens later). */
export function foldText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(FOLDED_PATTERN, (letter) => FOLDED_LETTERS[letter]);
}

/** The terms of a text, in order, duplicates kept; each at most MAX_TERM_LENGTH characters. */
export function termsOf(text: string): string[] {
  return foldText(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((term) => term.length > 0)
    .map((term) => truncate(term, MAX_TERM_LENGTH));
}

/** Cuts by code points, so a letter outside the BMP is never split in half. */
function truncate(term: string, max: number): string {
  const points = [...term];
  return points.length > max ? points.slice(0, max).join('') : term;
}
