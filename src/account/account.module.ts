import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FilesModule } from '../files/files.module';
import { MailModule } from '../mail/mail.module';
import { ShakePresenter } from '../shakes/shake.presenter';
import { ShakesModule } from '../shakes/shakes.module';
import { CommentPresenter } from '../social/comments/comment.presenter';
import { SocialModule } from '../social/social.module';
import { UsersModule } from '../users/users.module';
import { AccountExportsService } from './account-exports.service';
import { AccountExport, AccountExportSchema } from './schemas/account-export.schema';

/** Leaving and taking your data (exports, deletion), for every process; the API and worker modules add routes and jobs. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: AccountExport.name, schema: AccountExportSchema }]),
    FilesModule,
    SocialModule,
    ShakesModule,
    UsersModule,
    MailModule,
  ],
  providers: [AccountExportsService, ShakePresenter, CommentPresenter],
  exports: [AccountExportsService],
})
export class AccountModule {}
