/**
 * What a cached response depends on. A cached entry is keyed by the current generation of each of its scopes;
 * a write bumps the scopes it changes, so the next read misses and is fresh (docs/caching.md).
 */
export const CacheScope = {
  /** Part of every entry: bumped by rare writes with wide effects (a user disabled, a shake deleted). */
  site: 'site',
  /** A post's metadata, by share key. */
  file: (key: string) => `file:${key}`,
  /** A shake's page and its files, by name (names are unique without regard to case). */
  shake: (name: string) => `shake:${name.toLowerCase()}`,
  /** A public profile, by username. */
  user: (username: string) => `user:${username.toLowerCase()}`,
  /** The stream of one #tag. */
  tag: (tag: string) => `tag:${tag.toLowerCase()}`,
  /** A site-wide list: incoming, popular, magic, or search results. */
  stream: (name: SiteStream) => `stream:${name}`,
} as const;

export type SiteStream = 'incoming' | 'popular' | 'magic' | 'search';

/** Entry lifetime of the lists: a safety net only (writes bump their scopes), kept short as lists change most. */
export const STREAM_TTL_SECONDS = 60;
