import Bull from 'bull';
import { bullPrefixOf } from '../../src/jobs/bull-connections';
import { ALL_QUEUE_NAMES } from '../../src/jobs/queues';

/**
 * Waits until no queue of the app under `prefix` (its REDIS_KEY_PREFIX, on one Redis) has a job waiting or
 * running, seen three times a second apart, or `timeoutSeconds` passed. Resolves to the seconds it waited and
 * the jobs still there (0 unless it timed out).
 */
export async function waitForIdleQueues(
  redisUrl: string,
  prefix: string,
  timeoutSeconds: number,
): Promise<{ seconds: number; backlog: number }> {
  const queues = ALL_QUEUE_NAMES.map((name) => new Bull(name, redisUrl, { prefix: bullPrefixOf(prefix, name, false) }));
  const started = Date.now();
  try {
    let backlog = 0;
    for (let quiet = 0; quiet < 3 && Date.now() - started < timeoutSeconds * 1000;) {
      const counts = await Promise.all(queues.map((queue) => queue.getJobCounts()));
      backlog = counts.reduce((sum, count) => sum + count.waiting + count.active, 0);
      quiet = backlog === 0 ? quiet + 1 : 0;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    return { seconds: (Date.now() - started) / 1000, backlog };
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
  }
}
