/**
 * Removes documents one at a time, a batch at a time, until a batch comes back short. `nextBatch` finds what is
 * left (so a run again after a failure finds only that); `removeOne` deletes one document and queues what follows
 * from it. Returns how many were removed.
 */
export async function removeOneByOne<T>(
  nextBatch: (size: number) => Promise<T[]>,
  removeOne: (doc: T) => Promise<void>,
  batchSize: number,
): Promise<number> {
  let removed = 0;
  for (;;) {
    const batch = await nextBatch(batchSize);
    for (const doc of batch) await removeOne(doc);
    removed += batch.length;
    if (batch.length < batchSize) return removed;
  }
}
