import { Module } from '@nestjs/common';
import { UsersController } from './users.controller';
import { UsersModule } from './users.module';

/** Public profiles; only where the API is served (admins change accounts through AuthModule's routes). */
@Module({
  imports: [UsersModule],
  controllers: [UsersController],
})
export class UsersApiModule {}
