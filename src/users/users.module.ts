import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { UploadQuotaService } from './quota/upload-quota.service';
import { UploadUsage, UploadUsageSchema } from './quota/upload-usage.schema';
import { User, UserSchema } from './schemas/user.schema';
import { UsersService } from './users.service';

/** Users and their queries, for every process; UsersApiModule adds the routes. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: UploadUsage.name, schema: UploadUsageSchema },
    ]),
    SearchIndexerModule,
  ],
  providers: [UsersService, UploadQuotaService],
  exports: [UsersService, UploadQuotaService],
})
export class UsersModule {}
