import { Module } from '@nestjs/common';
import { MailTransport } from './mail-transport';
import { MailModule } from './mail.module';
import { MailProcessor } from './mail.processor';

/** The mail queue's processor and the transport; only where jobs run. */
@Module({
  imports: [MailModule],
  providers: [MailTransport, MailProcessor],
})
export class MailWorkerModule {}
