import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import { MeDto } from '../users/dto/user.dto';
import { Authenticated, CurrentUser, Public } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { AuthService } from './auth.service';
import { LoginDto, RegisterDto, SessionDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @RateLimit('register')
  @ApiConflictResponse({ description: 'The username (or a shake of that name) or the email is taken' })
  @ApiTooManyRequestsResponse({ description: 'Too many registrations from this address' })
  async register(@Body() dto: RegisterDto): Promise<SessionDto> {
    const { user, secret } = await this.auth.register(dto);
    return { user: MeDto.from(user), token: secret };
  }

  @Post('login')
  @Public()
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
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
}
