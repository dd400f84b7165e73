import { Module } from '@nestjs/common';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { UsersModule } from '../users/users.module';
import { FileActivityProcessor } from './file-activity.processor';
import { NotificationMailProcessor } from './notification-mail.processor';
import { ShakesModule } from '../shakes/shakes.module';
import { SocialModule } from './social.module';
import { SocialProcessor } from './social.processor';
import { PopularProcessor } from './streams/popular.processor';

/**
 * The social and streams queues' processors (follows, posts, likes, comments, popular) and notification mail (on
 * the notifications queue); only where jobs run.
 */
@Module({
  imports: [ShakesModule, SocialModule, NotificationsModule, UsersModule, SearchIndexerModule],
  providers: [SocialProcessor, FileActivityProcessor, PopularProcessor, NotificationMailProcessor],
})
export class SocialWorkerModule {}
