import { InjectQueue } from '@nestjs/bull';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bull';
import { withTimeout } from '../common/async/with-timeout';
import { MAIL_JOB_OPTIONS, type MailJob, QUEUES } from '../jobs/queues';

/** How long a request waits to queue a mail before it gives up (and says so, or goes on without it). */
const ENQUEUE_TIMEOUT_MS = 2000;

/** Queues mail: `await mail.send(MAIL_JOB_IDS.x(...), { template, to, data })`. One event key, one mail. */
@Injectable()
export class MailQueue {
  constructor(@InjectQueue(QUEUES.mail.name) private readonly queue: Queue<MailJob>) {}

  /** Rejects when Redis does not take the job in time; queuing the same event again is a no-op. */
  async send(eventKey: string, job: MailJob): Promise<void> {
    await withTimeout(this.queue.add(QUEUES.mail.jobs.send, job, { ...MAIL_JOB_OPTIONS, jobId: eventKey }), ENQUEUE_TIMEOUT_MS);
  }
}
