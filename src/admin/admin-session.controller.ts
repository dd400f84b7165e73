import { Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ConfigService } from '@nestjs/config';
import type { Response } from 'express';
import { AdminOnly, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import type { ResolvedEnvironment } from '../config/environment';
import { ADMIN_SESSION_COOKIE, ADMIN_SESSION_PATH, AdminSessionsService } from './admin-sessions.service';

class AdminSessionDto {
  /** When the session cookie stops working. */
  expiresAt!: string;
}

@ApiTags('admin')
@Controller('admin/session')
export class AdminSessionController {
  private readonly secure: boolean;

  constructor(
    private readonly sessions: AdminSessionsService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.secure = config.get('NODE_ENV', { infer: true }) === 'production';
  }

  @Post()
  @AdminOnly()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Trade an admin bearer token for a short-lived session cookie of the queue dashboard (/admin/queues)',
  })
  @ApiCreatedResponse({ type: AdminSessionDto, description: 'Set-Cookie: an HttpOnly, SameSite=Strict session for /admin/queues' })
  async open(@CurrentUser() admin: AuthUser, @Res({ passthrough: true }) res: Response): Promise<AdminSessionDto> {
    const { secret, expiresAt } = await this.sessions.open(admin);
    res.cookie(ADMIN_SESSION_COOKIE, secret, {
      httpOnly: true,
      sameSite: 'strict',
      secure: this.secure,
      path: ADMIN_SESSION_PATH,
      maxAge: this.sessions.ttlSeconds * 1000,
    });
    res.setHeader('Cache-Control', 'no-store');
    return { expiresAt: expiresAt.toISOString() };
  }
}
