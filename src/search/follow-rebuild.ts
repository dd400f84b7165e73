import type { SearchIndexer } from '../jobs/search-indexer';
import type { RebuildProgress, RebuildResult } from './search-rebuild';

const POLL_MS = 500;
/** How long a queued rebuild may wait for a worker before the follower says so (once). */
const NO_WORKER_HINT_MS = 30_000;

/** Waits for the rebuild job to finish, reporting its progress as it changes (for the CLI). */
export async function followRebuild(indexer: SearchIndexer, say: (line: string) => void): Promise<RebuildResult> {
  const started = Date.now();
  let lastProgress = '';
  let hinted = false;
  for (;;) {
    const job = await indexer.rebuildJob();
    if (!job) throw new Error('the search rebuild job disappeared (removed from the queue?)');
    const state = await job.getState();
    if (state === 'completed') return job.returnvalue as RebuildResult;
    if (state === 'failed') throw new Error(`the search rebuild failed: ${job.failedReason ?? 'no reason given'}`);

    const progress = job.progress() as RebuildProgress | number;
    const line = typeof progress === 'object' ? describe(progress) : '';
    if (line && line !== lastProgress) say(line);
    lastProgress = line || lastProgress;
    if (state === 'waiting' && !hinted && Date.now() - started > NO_WORKER_HINT_MS) {
      say('still waiting for a worker: is one running (MALTED_MODE=worker or all)? Ctrl-C leaves the rebuild queued');
      hinted = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function describe(progress: RebuildProgress): string {
  return progress.phase === 'sweep'
    ? `checked ${progress.done} entries no walk confirmed`
    : `${progress.phase}s ${progress.done}/${progress.total ?? '?'}`;
}
