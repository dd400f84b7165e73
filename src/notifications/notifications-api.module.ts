import { Module } from '@nestjs/common';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { NotificationViews } from './notification-views';
import { NotificationsController } from './notifications.controller';
import { NotificationsModule } from './notifications.module';

/** The notification routes; only where the API is served. */
@Module({
  imports: [NotificationsModule, UsersModule, ShakesModule],
  controllers: [NotificationsController],
  providers: [NotificationViews],
})
export class NotificationsApiModule {}
