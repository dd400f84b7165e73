export const CACHED_RESPONSE = Symbol('CACHED_RESPONSE');

export interface CachedResponseOptions {
  /** Safety net only: writes make entries stale at once through their scopes. */
  ttlSeconds: number;
  /** What the response depends on (CacheScope), from the route's params alone: a lookup must not need the database. */
  scopes: (params: Record<string, string>) => string[];
  /**
   * The response is the same whoever asks, so signed-in callers may share the anonymous entry. Leave it off for
   * any route whose answer can differ by viewer (fields like "liked by me", NSFW opt-in, private items): then
   * signed-in callers always bypass the cache.
   */
  sameForEveryViewer?: boolean;
  /**
   * The handler returns a finished document of this type as a string (the share pages and feeds) instead of a
   * value to serialise as JSON; a function decides it from the route's params. Such entries also answer with
   * Last-Modified: when the document was rendered.
   */
  contentType?: string | ((params: Record<string, string>) => string);
  /**
   * The response differs by viewer only in whether NSFW files show (showsNsfw): signed-in callers who did not opt
   * in share the anonymous entry, those who did bypass the cache. (`viewer` parts are added after the cache.)
   */
  sameUnlessNsfwShown?: boolean;
}
