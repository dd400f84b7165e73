import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { EmailTokensService } from './email-tokens.service';
import { InvitesService } from './invites.service';
import { AccessToken, AccessTokenSchema } from './schemas/access-token.schema';
import { EmailToken, EmailTokenSchema } from './schemas/email-token.schema';
import { Invite, InviteSchema } from './schemas/invite.schema';
import { TokensService } from './tokens.service';

/**
 * The collections of sign-in (access tokens, mailed tokens, invites) and their services, without routes or the
 * guard: AuthModule builds on it where the API is served, and the account removal job forgets them in the worker.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: AccessToken.name, schema: AccessTokenSchema },
      { name: EmailToken.name, schema: EmailTokenSchema },
      { name: Invite.name, schema: InviteSchema },
    ]),
  ],
  providers: [TokensService, EmailTokensService, InvitesService],
  exports: [TokensService, EmailTokensService, InvitesService],
})
export class AuthDataModule {}
