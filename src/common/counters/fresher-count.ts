/** Clocks of the processes that count may differ by this much at most (NTP keeps them far closer). */
export const MAX_CLOCK_SKEW_MS = 60_000;

/**
 * The filter part that lets a count taken at countedAt be stored in a counter whose time lives in timeField:
 * only if no count taken later is stored already. Two count jobs for one document may finish out of order
 * (several workers); this keeps a slow, stale count from overwriting a fresher one. A stored time further in
 * the future than any plausible clock skew is taken for damage, so that it cannot block every later count.
 */
export function fresherCountFilter(timeField: string, countedAt: Date): Record<string, unknown> {
  const implausible = new Date(countedAt.getTime() + MAX_CLOCK_SKEW_MS);
  return {
    $or: [
      { [timeField]: { $lte: countedAt } },
      { [timeField]: { $gt: implausible } },
      { [timeField]: { $exists: false } },
      { [timeField]: null },
    ],
  };
}
