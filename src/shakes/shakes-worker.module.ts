import { Module } from '@nestjs/common';
import { NotificationsModule } from '../notifications/notifications.module';
import { ShakesModule } from './shakes.module';
import { SocialProcessor } from './social.processor';

/** The social queue's processor; only where jobs run. */
@Module({
  imports: [ShakesModule, NotificationsModule],
  providers: [SocialProcessor],
})
export class ShakesWorkerModule {}
