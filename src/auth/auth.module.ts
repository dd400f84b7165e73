import { boundedBodyParser } from '../common/http/body-limits';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { AdminUsersController } from './admin-users.controller';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { MeController } from './me.controller';
import { MailModule } from '../mail/mail.module';
import { AccountPagesController } from './account-pages.controller';
import { AdminInvitesController } from './admin-invites.controller';
import { EmailVerificationService } from './email-verification.service';
import { PasswordsService } from './passwords.service';
import { AuthDataModule } from './auth-data.module';
import { RouteAccessCheck } from './route-access.check';

@Module({
  imports: [AuthDataModule, UsersModule, ShakesModule, SearchIndexerModule, MailModule, DiscoveryModule],
  controllers: [AuthController, MeController, AdminUsersController, AdminInvitesController, AccountPagesController],
  providers: [
    AuthService,
    EmailVerificationService,
    PasswordsService,
    AuthGuard,
    RouteAccessCheck,
    { provide: APP_GUARD, useExisting: AuthGuard },
  ],
  exports: [AuthService, AuthDataModule, AuthGuard],
})
export class AuthModule implements NestModule {
  /** The account pages take plain HTML forms; the API itself takes only JSON. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(boundedBodyParser('urlencoded', '10kb')).forRoutes(AccountPagesController);
  }
}
