import { Process, Processor } from '@nestjs/bull';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import type { ResolvedEnvironment } from '../config/environment';
import { JobProducer } from '../jobs/job-producer';
import { type MailJob, QUEUES } from '../jobs/queues';
import { MailTransport } from './mail-transport';
import { SentMailsService } from './sent-mails.service';
import { render, type Site } from './templates';

const DAY_MS = 86_400_000;

/**
 * How long a "sent" record is kept: far longer than a mail job can still run (8 tries over about 10 minutes,
 * or a failed job an admin retries days later), short enough that the collection stays small.
 */
export const SENT_MAIL_KEPT_MS = 30 * DAY_MS;

export interface SendResult {
  /** False when the mail of this event had already gone out (the job ran again). */
  sent: boolean;
  messageId: string;
}

@Processor(QUEUES.mail.name)
export class MailProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(MailProcessor.name);
  private readonly site: Site;

  constructor(
    private readonly jobs: JobProducer,
    private readonly transport: MailTransport,
    private readonly sent: SentMailsService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.site = { name: config.get('SITE_NAME', { infer: true }), publicUrl: config.get('PUBLIC_URL', { infer: true }) };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.repeat('mail/prune-sent', DAY_MS);
  }

  @Process(QUEUES.mail.jobs.pruneSent)
  async pruneSent(_job: Job): Promise<{ deleted: number }> {
    return { deleted: await this.sent.prune(new Date(Date.now() - SENT_MAIL_KEPT_MS)) };
  }

  /**
   * At most one mail per event: the job id is the event's key, and a "sent" record under that key is written
   * right after the server accepted the mail. Only a crash between the two can send it again, and then with
   * the same Message-ID. A server's permanent refusal (5xx) is not retried; anything else is.
   */
  @Process(QUEUES.mail.jobs.send)
  async send(job: Job<MailJob>): Promise<SendResult> {
    const eventKey = String(job.id);
    // The left part of a Message-ID may not hold ':' (RFC 5322 dot-atom), so the key's separators become dots.
    const messageId = `<${eventKey.replace(/[^A-Za-z0-9.-]/g, '.')}@${new URL(this.site.publicUrl).hostname}>`;
    if (await this.sent.wasSent(eventKey)) return { sent: false, messageId };

    const mail = render(job.data, this.site);
    try {
      await this.transport.send({ ...mail, to: job.data.to, messageId, label: job.data.template });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      if (code !== undefined && code >= 500) {
        this.logger.warn({ eventKey, code }, 'the mail server refused the mail for good: not retrying');
        await job.discard();
      }
      throw error;
    }
    await this.sent.record(eventKey, job.data.template, messageId);
    return { sent: true, messageId };
  }
}
