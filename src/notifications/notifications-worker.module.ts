import { Module } from '@nestjs/common';
import { NotificationsModule } from './notifications.module';
import { NotificationsProcessor } from './notifications.processor';

/** The notifications queue's processor (the prune); only where jobs run. */
@Module({
  imports: [NotificationsModule],
  providers: [NotificationsProcessor],
})
export class NotificationsWorkerModule {}
