import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { NotFoundError } from '../common/errors/domain-errors';
import { UpdateMeDto } from '../users/dto/update-me.dto';
import { MeDto, MeWithQuotaDto, UploadQuotaDto } from '../users/dto/user.dto';
import { UploadQuotaService } from '../users/quota/upload-quota.service';
import { UsersService } from '../users/users.service';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { ChangeEmailDto, ChangePasswordDto, DeleteAccountDto, EmailChangeDto } from './dto/account.dto';
import { CreatedTokenDto, CreateTokenDto, TokenDto } from './dto/token.dto';
import { EmailVerificationService } from './email-verification.service';
import { AuthService } from './auth.service';
import { PasswordsService } from './passwords.service';
import { TokensService } from './tokens.service';

@ApiTags('me')
@Controller('me')
@Authenticated()
export class MeController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
    private readonly passwords: PasswordsService,
    private readonly verification: EmailVerificationService,
    private readonly quota: UploadQuotaService,
    private readonly auth: AuthService,
  ) {}

  private async withQuota(caller: AuthUser, me: MeDto): Promise<MeWithQuotaDto> {
    return { ...me, uploadQuota: UploadQuotaDto.from(await this.quota.usageOf(caller)) };
  }

  @Get()
  @ApiOkResponse({ type: MeWithQuotaDto })
  async me(@CurrentUser() caller: AuthUser): Promise<MeWithQuotaDto> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new NotFoundError('No such user');
    return this.withQuota(caller, MeDto.from(user));
  }

  @Patch()
  @ApiOkResponse({ type: MeWithQuotaDto })
  @ApiBadRequestResponse({ description: 'A setting that is not one, or of the wrong type' })
  async update(@CurrentUser() caller: AuthUser, @Body() dto: UpdateMeDto): Promise<MeWithQuotaDto> {
    return this.withQuota(caller, MeDto.from(await this.users.updateSettings(caller.id, dto)));
  }

  /** Disables your account at once (every token revoked, posts hidden); signing in within the grace period cancels. */
  @Delete()
  @RateLimit('login')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBadRequestResponse({ description: 'No password, or fields that are not ours' })
  @ApiForbiddenResponse({ description: 'The password is wrong' })
  async requestDeletion(@CurrentUser() caller: AuthUser, @Body() dto: DeleteAccountDto): Promise<void> {
    await this.auth.requestDeletion(caller.id, dto.password);
  }

  @Get('tokens')
  @ApiOkResponse({ type: [TokenDto], description: 'Newest first' })
  async listTokens(@CurrentUser() caller: AuthUser): Promise<TokenDto[]> {
    return (await this.tokens.list(caller.id)).map((token) => TokenDto.from(token));
  }

  @Post('tokens')
  @ApiCreatedResponse({ type: CreatedTokenDto })
  async createToken(@CurrentUser() caller: AuthUser, @Body() dto: CreateTokenDto): Promise<CreatedTokenDto> {
    const { token, secret } = await this.tokens.issue(caller.id, dto.name, dto.scopes);
    return { ...TokenDto.from(token), token: secret };
  }

  @Delete('tokens/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNotFoundResponse({ description: 'No such token among yours' })
  async revokeToken(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(caller.id, id);
  }

  /** Every other token of yours stops working; the one that asked goes on. Your address is told. */
  @Post('password')
  @RateLimit('login')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBadRequestResponse({ description: 'The new password breaks the rules' })
  @ApiForbiddenResponse({ description: 'The current password is wrong' })
  async changePassword(@CurrentUser() caller: AuthUser, @Body() dto: ChangePasswordDto): Promise<void> {
    await this.passwords.change(caller.id, caller.tokenId, dto.currentPassword, dto.newPassword);
  }

  /** The new address is mailed a link and takes effect when it is followed; then the old address is told. */
  @Post('email')
  @RateLimit('mail')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: EmailChangeDto })
  @ApiForbiddenResponse({ description: 'The password is wrong' })
  @ApiConflictResponse({ description: 'The address is yours already, or registered by someone else' })
  @ApiTooManyRequestsResponse({ description: 'Too many mails asked for from this address' })
  async changeEmail(@CurrentUser() caller: AuthUser, @Body() dto: ChangeEmailDto): Promise<EmailChangeDto> {
    const pendingEmail = await this.verification.requestChange(caller.id, dto.password, dto.email);
    return { message: `A link to verify ${pendingEmail} is on its way; your address changes when you follow it`, pendingEmail };
  }
}
