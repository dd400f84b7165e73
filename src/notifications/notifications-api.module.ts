import { boundedBodyParser } from '../common/http/body-limits';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { UnsubscribeController } from './mail/unsubscribe.controller';
import { UnsubscribeService } from './mail/unsubscribe.service';
import { NotificationPresenter } from './notification.presenter';
import { NotificationsController } from './notifications.controller';
import { NotificationsModule } from './notifications.module';

/** The notification routes and the unsubscribe page of notification mail; only where the API is served. */
@Module({
  imports: [NotificationsModule, UsersModule, ShakesModule],
  controllers: [NotificationsController, UnsubscribeController],
  providers: [NotificationPresenter, UnsubscribeService],
})
export class NotificationsApiModule implements NestModule {
  /** RFC 8058 one-click posts a form (List-Unsubscribe=One-Click); the API itself takes only JSON. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(boundedBodyParser('urlencoded', '10kb')).forRoutes(UnsubscribeController);
  }
}
