import { boundedBodyParser } from '../common/http/body-limits';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { MongooseModule } from '@nestjs/mongoose';
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
import { EmailTokensService } from './email-tokens.service';
import { EmailVerificationService } from './email-verification.service';
import { InvitesService } from './invites.service';
import { PasswordsService } from './passwords.service';
import { AccessToken, AccessTokenSchema } from './schemas/access-token.schema';
import { EmailToken, EmailTokenSchema } from './schemas/email-token.schema';
import { Invite, InviteSchema } from './schemas/invite.schema';
import { TokensService } from './tokens.service';
import { RouteAccessCheck } from './route-access.check';

@Module({
  imports: [
    MongooseModule.forFeature([
      { name: AccessToken.name, schema: AccessTokenSchema },
      { name: EmailToken.name, schema: EmailTokenSchema },
      { name: Invite.name, schema: InviteSchema },
    ]),
    UsersModule,
    ShakesModule,
    SearchIndexerModule,
    MailModule,
    DiscoveryModule,
  ],
  controllers: [AuthController, MeController, AdminUsersController, AdminInvitesController, AccountPagesController],
  providers: [
    AuthService,
    TokensService,
    EmailTokensService,
    EmailVerificationService,
    PasswordsService,
    InvitesService,
    AuthGuard,
    RouteAccessCheck,
    { provide: APP_GUARD, useExisting: AuthGuard },
  ],
  exports: [AuthService, TokensService, AuthGuard],
})
export class AuthModule implements NestModule {
  /** The account pages take plain HTML forms; the API itself takes only JSON. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(boundedBodyParser('urlencoded', '10kb')).forRoutes(AccountPagesController);
  }
}
