import { type AuthUser, showsNsfw } from '../common/auth/auth-user';

/** What a viewer may see in search results. */
export interface SearchVisibility {
  /** Whether files marked NSFW are shown. */
  nsfw: boolean;
}

/** As in the streams: NSFW files only for a signed-in viewer who opted in. */
export function searchVisibilityFor(viewer: AuthUser | undefined): SearchVisibility {
  return { nsfw: showsNsfw(viewer) };
}
