import { Module } from '@nestjs/common';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { NotificationPresenter } from './notification.presenter';
import { NotificationsController } from './notifications.controller';
import { NotificationsModule } from './notifications.module';

/** The notification routes; only where the API is served. */
@Module({
  imports: [NotificationsModule, UsersModule, ShakesModule],
  controllers: [NotificationsController],
  providers: [NotificationPresenter],
})
export class NotificationsApiModule {}
