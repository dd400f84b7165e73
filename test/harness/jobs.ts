import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { INestApplication } from '@nestjs/common';
import type { Queue } from 'bull';
import type { Model } from 'mongoose';
import { OutboxEntry } from '../../src/jobs/outbox.schema';
import { type QueueName, QUEUES } from '../../src/jobs/queues';

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

/**
 * Waits until these queues have nothing waiting, running or due for a retry (a repeatable job's next run, always
 * delayed, does not count), and the job outbox is empty, seen twice in a row: a job in one queue may queue one in
 * another, and on a loaded machine an enqueue slower than JOB_ENQUEUE_TIMEOUT_MS goes to the outbox, which a
 * worker's recovery round (JOB_RECOVERY_INTERVAL_MS) queues later. Fails on a failed job, with its reason, and on
 * a timeout.
 */
export async function settleQueues(app: INestApplication, names: QueueName[] = FOLLOW_UP_QUEUES, timeoutMs = 30_000): Promise<void> {
  const queues = names.map((name) => app.get<Queue>(getQueueToken(name)));
  const outbox = app.get<Model<OutboxEntry>>(getModelToken(OutboxEntry.name));
  const deadline = Date.now() + timeoutMs;
  let idlePasses = 0;
  while (idlePasses < 2) {
    let idle = (await outbox.countDocuments()) === 0;
    for (const queue of queues) {
      const [failed] = await queue.getFailed(0, 0);
      if (failed) throw new Error(`${queue.name} job ${failed.name} failed: ${failed.failedReason}`);
      const counts = await queue.getJobCounts();
      const retrying = (await queue.getDelayed()).filter((job) => !job.opts.repeat).length;
      if (counts.waiting + counts.active + retrying > 0) idle = false;
    }
    idlePasses = idle ? idlePasses + 1 : 0;
    if (!idle && Date.now() > deadline) throw new Error(`jobs of ${names.join(', ')} did not settle in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The queues whose jobs follow from a request: once they are settled, every consequence of it has happened. */
export const FOLLOW_UP_QUEUES: QueueName[] = [QUEUES.social.name, QUEUES.files.name, QUEUES.search.name];
