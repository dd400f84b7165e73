import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Query, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiExcludeController } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Response } from 'express';
import { Public } from '../common/auth/auth.decorators';
import { DomainError } from '../common/errors/domain-errors';
import { RateLimit } from '../common/throttling/rate-limit.decorator';
import type { ResolvedEnvironment } from '../config/environment';
import { ACCOUNT_PAGES, escapeHtml } from '../mail/templates';
import { PasswordResetConfirmDto } from './dto/account.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordsService } from './passwords.service';

/** The path of each page without its leading slash, as routes and the global-prefix exclusion want them. */
export const ACCOUNT_PAGE_ROUTES = Object.values(ACCOUNT_PAGES).map((path) => path.slice(1));

type FormBody = Record<string, unknown>;
const field = (body: FormBody | undefined, name: string) => (typeof body?.[name] === 'string' ? (body[name] as string) : '');

/**
 * The pages mailed links open. Opening one changes nothing (mail scanners fetch links): each shows a form
 * that posts the token back, without JavaScript (helmet's CSP forbids inline scripts anyway).
 */
@ApiExcludeController()
@Public()
@Controller({ path: 'account', version: VERSION_NEUTRAL })
export class AccountPagesController {
  private readonly siteName: string;

  constructor(
    private readonly verification: EmailVerificationService,
    private readonly passwords: PasswordsService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.siteName = config.get('SITE_NAME', { infer: true });
  }

  @Get('verify-email')
  @Header('Cache-Control', 'no-store')
  verifyForm(@Query('token') token: string | undefined, @Res() res: Response): void {
    this.page(res, HttpStatus.OK, 'Verify your email address', [
      form(ACCOUNT_PAGES.verifyEmail, token, '<button type="submit">Verify my address</button>'),
    ]);
  }

  @Post('verify-email')
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async verify(@Body() body: FormBody | undefined, @Res() res: Response): Promise<void> {
    try {
      const email = await this.verification.verify(field(body, 'token'));
      this.page(res, HttpStatus.OK, 'Address verified', [`<p>${escapeHtml(email)} is verified. You can close this page.</p>`]);
    } catch (error) {
      this.failed(res, error, 'Verify your email address');
    }
  }

  @Get('reset-password')
  @Header('Cache-Control', 'no-store')
  resetForm(@Query('token') token: string | undefined, @Res() res: Response): void {
    this.page(res, HttpStatus.OK, 'Choose a new password', [passwordForm(token)]);
  }

  @Post('reset-password')
  @RateLimit('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  async reset(@Body() body: FormBody | undefined, @Res() res: Response): Promise<void> {
    const token = field(body, 'token');
    const dto = plainToInstance(PasswordResetConfirmDto, { token, password: field(body, 'password') });
    const problems = (await validate(dto)).flatMap((error) => Object.values(error.constraints ?? {}));
    if (problems.length > 0) {
      return this.page(res, HttpStatus.BAD_REQUEST, 'Choose a new password', [
        ...problems.map((problem) => `<p role="alert">${escapeHtml(problem)}</p>`),
        passwordForm(token),
      ]);
    }
    try {
      await this.passwords.confirmReset(dto.token, dto.password);
      this.page(res, HttpStatus.OK, 'Password set', [
        '<p>Your new password is set and every device was signed out. Sign in again with it.</p>',
      ]);
    } catch (error) {
      this.failed(res, error, 'Choose a new password');
    }
  }

  /** A refused token or rule is shown on the page; anything else goes to the error filter. */
  private failed(res: Response, error: unknown, title: string): void {
    if (!(error instanceof DomainError) || error.status >= 500) throw error;
    this.page(res, error.status, title, [`<p role="alert">${escapeHtml(error.message)}</p>`]);
  }

  private page(res: Response, status: number, title: string, parts: string[]): void {
    const heading = `${escapeHtml(title)} &middot; ${escapeHtml(this.siteName)}`;
    res
      .status(status)
      .type('html')
      .send(
        [
          '<!doctype html>',
          `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${heading}</title></head>`,
          `<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto"><h1>${escapeHtml(title)}</h1>`,
          ...parts,
          '</body></html>',
        ].join('\n'),
      );
  }
}

const form = (action: string, token: string | undefined, inner: string) =>
  `<form method="post" action="${action}"><input type="hidden" name="token" value="${escapeHtml(token ?? '')}">${inner}</form>`;

const passwordForm = (token: string | undefined) =>
  form(
    ACCOUNT_PAGES.resetPassword,
    token,
    '<p><label>New password (10 characters or more) <input type="password" name="password" minlength="10" maxlength="200" ' +
      'autocomplete="new-password" required></label></p><button type="submit">Set my password</button>',
  );
