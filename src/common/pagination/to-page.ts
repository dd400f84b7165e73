/** One page of a keyset list: fetch limit + 1 rows, keep limit, and the extra row says whether more exist. */
export function toPage<T>(rows: T[], limit: number): { items: T[]; hasMore: boolean } {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}
