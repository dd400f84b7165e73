import { getQueueToken } from '@nestjs/bull';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bull';
import { QUEUES } from '../../src/jobs/queues';

/**
 * Waits until the social queue has nothing waiting, running or scheduled for retry, i.e. every job queued so
 * far has really run (on whichever process runs jobs). Fails on a job that failed, with its reason, so a
 * broken processor is reported as such rather than as a wrong number.
 */
export async function settleSocialJobs(app: INestApplication, timeoutMs = 20_000): Promise<void> {
  const queue = app.get<Queue>(getQueueToken(QUEUES.social.name));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await queue.getJobCounts();
    if (counts.failed > 0) {
      const [failed] = await queue.getFailed(0, 0);
      throw new Error(`social job ${failed?.name} failed: ${failed?.failedReason}`);
    }
    if (counts.waiting + counts.active + counts.delayed === 0) return;
    if (Date.now() > deadline) throw new Error(`social jobs did not settle: ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
