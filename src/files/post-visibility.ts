import type { SharedFile } from './schemas/shared-file.schema';

/**
 * What "a visible post" means wherever a post is shown or acted on: GET /files/:key, raw, thumbnail, likes,
 * saves, comments (PostsService.getLive), every stream and page of posts (FilePresenter) and search
 * (SearchablePostsService), all through VisiblePostsService, which reads the neighbours and applies this rule.
 *
 * A post is visible while it is not deleted, its stored bytes and its shake exist, and its owner exists and is
 * not disabled. The last three are read beside the post rather than copied onto it, so a deleted group shake's
 * posts disappear everywhere at once, before the job that deletes them has run, and a disabled user's posts
 * disappear while they are disabled and come back when they are enabled again.
 */
export interface PostNeighbours {
  source: object | null | undefined;
  shake: object | null | undefined;
  owner: { disabled: boolean } | null | undefined;
}

/** The part of the rule a query on shared_files can filter on: lists read only these rows. */
export const LIVE_POSTS = { deletedAt: null } as const;

export function isVisiblePost(post: Pick<SharedFile, 'deletedAt'>, { source, shake, owner }: PostNeighbours): boolean {
  return !post.deletedAt && !!source && !!shake && !!owner && !owner.disabled;
}
