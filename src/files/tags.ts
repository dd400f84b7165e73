/** A tag: 1-30 letters, digits or underscores after a #, not glued to a word before it (so "a#b" is no tag). */
const TAG = /(?:^|[^\p{L}\p{N}_&])#([\p{L}\p{N}_]{1,30})(?![\p{L}\p{N}_])/gu;

/** More than this many tags in one description are ignored. */
export const MAX_TAGS_PER_POST = 20;

/** The distinct lower-cased tags of a description, in order of first appearance. */
export function tagsOf(description: string): string[] {
  const tags = new Set<string>();
  for (const match of description.matchAll(TAG)) {
    if (tags.size >= MAX_TAGS_PER_POST) break;
    tags.add(match[1].toLowerCase());
  }
  return [...tags];
}

/** A path parameter that can name a tag, normalised; null when it cannot be one (a 404 without a query). */
export function normaliseTag(text: string): string | null {
  const tag = text.replace(/^#/, '').toLowerCase();
  return /^[\p{L}\p{N}_]{1,30}$/u.test(tag) ? tag : null;
}
