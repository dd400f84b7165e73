/**
 * Where the share pages, oEmbed and the feeds live, outside /api/v1. Their first path segments (`p`, `oembed`,
 * `feeds`) are reserved names (src/shakes/reserved-names.ts), so no shake page at /<name> can shadow them.
 */
export const PAGE_PATHS = { file: 'p', shake: 'shake', oembed: 'oembed', feeds: 'feeds' } as const;

/** The feeds: /feeds/shakes/<name>.rss, /feeds/tags/<tag>.atom, /feeds/likes/<username>.json and so on. */
export const FEED_SOURCES = ['shakes', 'tags', 'likes'] as const;
export type FeedSource = (typeof FEED_SOURCES)[number];

export const FEED_FORMATS = {
  rss: 'application/rss+xml; charset=utf-8',
  atom: 'application/atom+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
} as const;
export type FeedFormat = keyof typeof FEED_FORMATS;

/**
 * The route paths, without their leading slash, as routes and the global-prefix exclusion want them. A shake's
 * page is routed at /shake/<name>, where routeShakePages sends /<name>: an excluded `:name` would also take every
 * one-segment API route out of /api (Nest matches the exclusions without the version).
 */
export const PAGE_ROUTES = [
  `${PAGE_PATHS.file}/:key`,
  `${PAGE_PATHS.shake}/:name`,
  PAGE_PATHS.oembed,
  ...FEED_SOURCES.map((source) => `${PAGE_PATHS.feeds}/${source}/:file`),
];

export const filePagePath = (key: string) => `/${PAGE_PATHS.file}/${key}`;
export const shakePagePath = (name: string) => `/${encodeURIComponent(name)}`;
export const feedPath = (source: FeedSource, subject: string, format: FeedFormat) =>
  `/${PAGE_PATHS.feeds}/${source}/${encodeURIComponent(subject)}.${format}`;

/** `cats.rss` → { subject: 'cats', format: 'rss' }; null for anything else. */
export function parseFeedFile(file: string): { subject: string; format: FeedFormat } | null {
  const match = /^(.+)\.(rss|atom|json)$/.exec(file);
  return match ? { subject: match[1], format: match[2] as FeedFormat } : null;
}
