import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { AdminRecountController } from './admin-recount.controller';
import { FollowsController } from './follows.controller';
import { ShakePresenter } from './shake.presenter';
import { ShakesController } from './shakes.controller';
import { ShakesModule } from './shakes.module';

/** The shake, follow and recount routes; only where the API is served. */
@Module({
  imports: [ShakesModule, UsersModule],
  controllers: [ShakesController, FollowsController, AdminRecountController],
  providers: [ShakePresenter],
})
export class ShakesApiModule {}
