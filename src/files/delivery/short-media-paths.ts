import type { MediaKind } from './media-entry';

/**
 * The first path segment of the short public media URLs (/r/<key> and so on), outside /api/v1. Reserved as
 * shake and user names (src/shakes/reserved-names.ts), so that share pages at /<name> can never shadow them.
 */
export const SHORT_MEDIA_PATHS: Record<MediaKind, string> = { raw: 'r', thumbnail: 't', small: 's' };

const MEDIA_PATH = new RegExp(
  `^/(?:(?:${Object.values(SHORT_MEDIA_PATHS).join('|')})/[^/?]+|api/v1/files/[^/?]+/(?:${Object.keys(SHORT_MEDIA_PATHS).join('|')}))(?:\\?|$)`,
);

/** Whether a request URL is one of the media routes (short or under /api/v1). */
export const isMediaPath = (url: string): boolean => MEDIA_PATH.test(url);
