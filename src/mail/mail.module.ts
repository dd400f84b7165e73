import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MailQueue } from './mail.queue';
import { SentMail, SentMailSchema } from './schemas/sent-mail.schema';
import { SentMailsService } from './sent-mails.service';

/** What features use to send mail (the queue) and to forget a removed account's sent records; every process has it. */
@Module({
  imports: [MongooseModule.forFeature([{ name: SentMail.name, schema: SentMailSchema }])],
  providers: [MailQueue, SentMailsService],
  exports: [MailQueue, SentMailsService],
})
export class MailModule {}
