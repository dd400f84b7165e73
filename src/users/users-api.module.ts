import { Module } from '@nestjs/common';
import { AdminUsersController } from './admin-users.controller';
import { UsersController } from './users.controller';
import { UsersModule } from './users.module';

/** Public profiles and admin user management; only where the API is served. */
@Module({
  imports: [UsersModule],
  controllers: [UsersController, AdminUsersController],
})
export class UsersApiModule {}
