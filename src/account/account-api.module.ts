import { Module } from '@nestjs/common';
import { AccountModule } from './account.module';
import { AdminAccountsController } from './admin-accounts.controller';
import { ExportsController } from './exports.controller';

/** The routes of exports under /me and of an admin's account deletion; only where the API is served. */
@Module({
  imports: [AccountModule],
  controllers: [ExportsController, AdminAccountsController],
})
export class AccountApiModule {}
