import { Module } from '@nestjs/common';
import { AccountModule } from './account.module';
import { AccountProcessor } from './account.processor';

/** The account queue's processor (exports, deletions, their sweep); only where jobs run. */
@Module({
  imports: [AccountModule],
  providers: [AccountProcessor],
})
export class AccountWorkerModule {}
