import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AuthDataModule } from '../auth/auth-data.module';
import { FilesModule } from '../files/files.module';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { MailModule } from '../mail/mail.module';
import { NotificationsModule } from '../notifications/notifications.module';
import { ShakePresenter } from '../shakes/shake.presenter';
import { ShakesModule } from '../shakes/shakes.module';
import { CommentPresenter } from '../social/comments/comment.presenter';
import { SocialModule } from '../social/social.module';
import { UsersModule } from '../users/users.module';
import { AccountExportsService } from './account-exports.service';
import { AccountRemovalService } from './account-removal.service';
import { AccountExport, AccountExportSchema } from './schemas/account-export.schema';

/** Leaving and taking your data (exports, removal), for every process; the API and worker modules add routes and jobs. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: AccountExport.name, schema: AccountExportSchema }]),
    AuthDataModule,
    FilesModule,
    SocialModule,
    ShakesModule,
    UsersModule,
    NotificationsModule,
    MailModule,
    SearchIndexerModule,
  ],
  providers: [AccountExportsService, AccountRemovalService, ShakePresenter, CommentPresenter],
  exports: [AccountExportsService, AccountRemovalService],
})
export class AccountModule {}
