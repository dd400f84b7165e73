/**
 * The popularity-and-recency half of the ranking, as one number stored on each entry so the database can read
 * entries in rank order from an index (no scoring at query time, no $lookup):
 *
 *   rank = log10(1 + popularity) + (createdAt − 2025-01-01) / 30 days
 *
 * Ten times the likes are worth 30 days of recency: a post with 9 likes ranks with one 30 days newer that has
 * none. The recency term grows with absolute time rather than decaying with age, so a stored rank never goes
 * stale; only a change of likes needs the entry re-indexed. Whole-word matches of the last word come before
 * prefix matches whatever their rank (see docs/search.md); ties go to the newer entry.
 */
export const RANK_EPOCH = Date.UTC(2025, 0, 1);
export const RECENCY_PER_DECADE_OF_LIKES_MS = 30 * 24 * 3600 * 1000;

export function rankOf(popularity: number, createdAt: Date): number {
  const popularityScore = Math.log10(1 + Math.max(0, popularity));
  const recencyScore = (createdAt.getTime() - RANK_EPOCH) / RECENCY_PER_DECADE_OF_LIKES_MS;
  return popularityScore + recencyScore;
}

/** The formula in words, for the API description and the docs. */
export const RANKING_DESCRIPTION =
  'Results where the last word matches a whole word come first, then those where it only matches the start of a word ' +
  '(search-as-you-type). Within each group results are ordered by rank = log10(1 + likes) + (created − 2025-01-01) / 30 days ' +
  '(followers instead of likes for shakes and users): ten times the likes are worth 30 days of recency. Ties go to the newer result.';
