import { Module } from '@nestjs/common';
import { AccountModule } from './account.module';
import { ExportsController } from './exports.controller';

/** The routes of exports and deletion under /me; only where the API is served. */
@Module({
  imports: [AccountModule],
  controllers: [ExportsController],
})
export class AccountApiModule {}
