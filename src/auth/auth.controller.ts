import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
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
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { MeDto } from '../users/dto/user.dto';
import { Authenticated, CurrentUser, Public } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { AuthService } from './auth.service';
import { AcceptedDto, PasswordResetConfirmDto, PasswordResetRequestDto, VerifiedEmailDto, VerifyEmailDto } from './dto/account.dto';
import { LoginDto, RegisterDto, SessionDto } from './dto/auth.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordsService } from './passwords.service';

/** The one answer to every password-reset request, whether or not the address has an account. */
const RESET_REQUESTED = 'If an account uses this address, a link to reset its password is on its way';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly verification: EmailVerificationService,
    private readonly passwords: PasswordsService,
  ) {}

  @Post('register')
  @Public()
  @RateLimit('register')
  @ApiCreatedResponse({ type: SessionDto })
  @ApiConflictResponse({ description: 'The username (or a shake of that name) or the email is taken' })
  @ApiForbiddenResponse({ description: 'Registration is closed, or needs a valid invite (REGISTRATION, see GET /site)' })
  @ApiTooManyRequestsResponse({ description: 'Too many registrations from this address' })
  async register(@Body() dto: RegisterDto): Promise<SessionDto> {
    const { user, secret } = await this.auth.register(dto);
    return { user: MeDto.from(user), token: secret };
  }

  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: SessionDto })
  @ApiUnauthorizedResponse({ description: 'Invalid login or password' })
  @ApiTooManyRequestsResponse({ description: 'Too many login attempts from this address' })
  async login(@Body() dto: LoginDto): Promise<SessionDto> {
    const { user, secret } = await this.auth.login(dto.login, dto.password, dto.tokenName);
    return { user: MeDto.from(user), token: secret };
  }

  @Post('logout')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  async logout(@CurrentUser() user: AuthUser): Promise<void> {
    await this.auth.logout(user.id, user.tokenId);
  }

  /** Follows a mailed verification link: the account's address (or, after an email change, the new one) is verified. */
  @Post('verify-email')
  @Public()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: VerifiedEmailDto })
  @ApiBadRequestResponse({ description: 'A wrong, used or expired token' })
  @ApiConflictResponse({ description: 'The new address was registered by someone else meanwhile' })
  async verifyEmail(@Body() dto: VerifyEmailDto): Promise<VerifiedEmailDto> {
    return { email: await this.verification.verify(dto.token) };
  }

  /** Mails a new verification link; earlier links stop working. */
  @Post('verify-email/resend')
  @Authenticated()
  @RateLimit('mail')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiConflictResponse({ description: 'Your address is verified already' })
  @ApiTooManyRequestsResponse({ description: 'Too many mails asked for from this address' })
  async resendVerification(@CurrentUser() user: AuthUser): Promise<AcceptedDto> {
    await this.verification.resend(user.id);
    return { message: 'A new verification link is on its way' };
  }

  /** Always 202 with the same body, whether or not an account has the address. */
  @Post('password-reset')
  @Public()
  @RateLimit('mail')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiAcceptedResponse({ type: AcceptedDto, description: RESET_REQUESTED })
  @ApiNotFoundResponse({ description: 'Password reset is turned off on this site' })
  @ApiTooManyRequestsResponse({ description: 'Too many mails asked for from this address' })
  async requestPasswordReset(@Body() dto: PasswordResetRequestDto): Promise<AcceptedDto> {
    await this.passwords.requestReset(dto.email);
    return { message: RESET_REQUESTED };
  }

  /** Sets the password from a mailed link; every token of the account stops working (sign in again). */
  @Post('password-reset/confirm')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBadRequestResponse({ description: 'A wrong, used or expired token, or a password that breaks the rules' })
  @ApiNotFoundResponse({ description: 'Password reset is turned off on this site' })
  async confirmPasswordReset(@Body() dto: PasswordResetConfirmDto): Promise<void> {
    await this.passwords.confirmReset(dto.token, dto.password);
  }
}
