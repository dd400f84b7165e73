export interface CountSteps {
  /** Counts the facts now. */
  count(): Promise<number>;
  /** Stores a count taken at countedAt unless a later one is stored already. */
  store(count: number, countedAt: Date): Promise<unknown>;
  /** The value stored now (null: the document is gone). */
  stored(): Promise<number | null>;
}

/**
 * Counts the facts and stores the count, then checks the stored counter against a fresh count, and goes round
 * again while they differ. On MongoDB the conditional update is atomic, and the check only costs a read. A
 * server that applies an update as a read followed by a write (FerretDB 1.x) can let a stale count from a
 * concurrent job land after a fresher one; the job whose write landed last then finds its counter differing from
 * the facts here and writes again, so the counter still settles on the facts.
 */
export async function settleCount(steps: CountSteps, maxRounds = 5): Promise<number> {
  let count = 0;
  for (let round = 0; round < maxRounds; round++) {
    const countedAt = new Date(); // taken before counting: the count reflects at least every fact up to now
    count = await steps.count();
    await steps.store(count, countedAt);
    const stored = await steps.stored();
    if (stored === null) return count;
    const fresh = await steps.count();
    if (stored === fresh) return fresh;
  }
  return count;
}
