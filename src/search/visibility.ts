import type { AuthUser } from '../common/auth/auth-user';

/** What a viewer may see in search results. */
export interface SearchVisibility {
  /** Whether files marked NSFW are shown. */
  nsfw: boolean;
}

/**
 * The one place that decides it. There is no per-viewer NSFW opt-in yet, so NSFW files are hidden from
 * everyone; when the opt-in exists, read it from the viewer here.
 */
export function searchVisibilityFor(_viewer: AuthUser | undefined): SearchVisibility {
  return { nsfw: false };
}
