import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { User, UserSchema } from './schemas/user.schema';
import { UsersService } from './users.service';

/** Users and their queries, for every process; UsersApiModule adds the routes. */
@Module({
  imports: [MongooseModule.forFeature([{ name: User.name, schema: UserSchema }]), SearchIndexerModule],
  providers: [UsersService],
  exports: [UsersService],
})
export class UsersModule {}
