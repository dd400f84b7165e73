import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { MailTransport } from './mail-transport';
import { MailProcessor } from './mail.processor';
import { SentMail, SentMailSchema } from './schemas/sent-mail.schema';

/** The mail queue's processor and the transport; only where jobs run. */
@Module({
  imports: [MongooseModule.forFeature([{ name: SentMail.name, schema: SentMailSchema }])],
  providers: [MailTransport, MailProcessor],
})
export class MailWorkerModule {}
