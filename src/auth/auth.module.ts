import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { AdminUsersController } from './admin-users.controller';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { MeController } from './me.controller';
import { AccessToken, AccessTokenSchema } from './schemas/access-token.schema';
import { TokensService } from './tokens.service';

@Module({
  imports: [
    MongooseModule.forFeature([{ name: AccessToken.name, schema: AccessTokenSchema }]),
    UsersModule,
    ShakesModule,
    SearchIndexerModule,
  ],
  controllers: [AuthController, MeController, AdminUsersController],
  providers: [AuthService, TokensService, AuthGuard, { provide: APP_GUARD, useExisting: AuthGuard }],
  exports: [AuthService, TokensService, AuthGuard],
})
export class AuthModule {}
