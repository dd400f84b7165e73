import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createTransport, type SendMailOptions, type Transporter } from 'nodemailer';
import type { ResolvedEnvironment } from '../config/environment';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Deterministic per event, so a receiving server or client can tell a repeat from a new mail. */
  messageId: string;
  /** For the development folder's file names. */
  label: string;
  /** RFC 8058 one-click unsubscribe: sets List-Unsubscribe and List-Unsubscribe-Post. */
  unsubscribeUrl?: string;
}

/**
 * Where mail goes: the SMTP server of SMTP_URL; without one outside production, the log and DATA_DIR/mail
 * (a newcomer reads the verification link there); in production without one (only when no feature that
 * needs mail is on, see environment.ts) nowhere, with a warning.
 */
@Injectable()
export class MailTransport implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private readonly from: string;
  private readonly smtp?: Transporter;
  private readonly folder?: string;

  constructor(config: ConfigService<ResolvedEnvironment, true>) {
    this.from = config.get('MAIL_FROM', { infer: true });
    const smtpUrl = config.get('SMTP_URL', { infer: true });
    if (smtpUrl) {
      this.smtp = createTransport(smtpUrl);
    } else if (config.get('NODE_ENV', { infer: true }) !== 'production') {
      this.folder = resolve(config.get('DATA_DIR', { infer: true }), 'mail');
    }
  }

  /** Says at start-up whether the SMTP server answers and takes the credentials, without holding the start up. */
  onApplicationBootstrap(): void {
    this.smtp
      ?.verify()
      .then(() => this.logger.log('the SMTP server answers and accepts the credentials'))
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'the SMTP server does not answer or refuses the credentials: mail will be retried'),
      );
  }

  /** Throws what the server answered; an error with a 5xx responseCode will not succeed on a retry. */
  async send(mail: OutgoingMail): Promise<void> {
    const message: SendMailOptions = {
      from: this.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
      ...(mail.unsubscribeUrl
        ? { headers: { 'List-Unsubscribe': `<${mail.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } }
        : {}),
    };
    if (this.smtp) {
      const info = (await this.smtp.sendMail(message)) as { response?: string };
      this.logger.log({ messageId: mail.messageId, response: info.response }, `mail "${mail.label}" delivered to the SMTP server`);
      return;
    }
    if (!this.folder) {
      this.logger.warn({ messageId: mail.messageId }, `mail "${mail.label}" dropped: SMTP_URL is not set`);
      return;
    }
    const built = (await createTransport({ streamTransport: true, buffer: true, newline: 'unix' }).sendMail(message)) as {
      message: Buffer;
    };
    await mkdir(this.folder, { recursive: true });
    const file = join(this.folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.label.replace(/[^A-Za-z0-9-]/g, '_')}.eml`);
    await writeFile(file, built.message);
    // Development only (production always has SMTP_URL when it sends mail): the text holds the link, and the
    // link is the point, so a newcomer can verify or reset without a mail server.
    this.logger.log(`mail to ${mail.to}: "${mail.subject}", saved as ${file}\n${mail.text}`);
  }

  onModuleDestroy(): void {
    this.smtp?.close();
  }
}
