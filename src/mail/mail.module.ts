import { Module } from '@nestjs/common';
import { MailQueue } from './mail.queue';

/** What features use to send mail (the queue); every process may queue. */
@Module({
  providers: [MailQueue],
  exports: [MailQueue],
})
export class MailModule {}
