/** At most this many distinct users are notified of one comment. */
export const MAX_MENTIONS = 10;

/** @name, not glued to a word before it (so an email address mentions nobody); names as usernames allow. */
const MENTION = /(?:^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_-]{3,30})(?![A-Za-z0-9_-])/g;

/** The distinct names mentioned in a comment, lower-cased, in order, at most MAX_MENTIONS. */
export function mentionsIn(body: string): string[] {
  const names = new Set<string>();
  for (const match of body.matchAll(MENTION)) {
    if (names.size >= MAX_MENTIONS) break;
    names.add(match[1].toLowerCase());
  }
  return [...names];
}
