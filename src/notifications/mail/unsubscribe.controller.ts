import { Body, Controller, Get, Header, HttpCode, HttpStatus, Post, Query, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import {
  ApiBadRequestResponse,
  ApiConsumes,
  ApiExcludeEndpoint,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../../common/auth/auth.decorators';
import { DomainError } from '../../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../../config/environment';
import { UNSUBSCRIBE_PAGE, type UnsubscribeScope } from './unsubscribe-token';
import { UnsubscribeService } from './unsubscribe.service';

const WHAT: Record<UnsubscribeScope, string> = {
  follow: 'new followers',
  comment: 'comments on your files',
  mention: 'mentions of you',
  all: 'new followers, comments and mentions (the digest included)',
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

type FormBody = Record<string, unknown>;

/**
 * The unsubscribe link of notification mail, signed in by its token alone. Opening it (GET) changes nothing, as
 * mail scanners fetch links; it shows a button that posts. The POST is also RFC 8058's one-click target: a mail
 * client posts `List-Unsubscribe=One-Click` to the List-Unsubscribe URL, without cookies or a session.
 */
@ApiTags('notifications')
@Public()
@Controller({ path: 'account', version: VERSION_NEUTRAL })
export class UnsubscribeController {
  private readonly siteName: string;

  constructor(
    private readonly unsubscribes: UnsubscribeService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.siteName = config.get('SITE_NAME', { infer: true });
  }

  @Get('unsubscribe')
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  form(@Query('token') token: string | undefined, @Res() res: Response): void {
    try {
      const scope = this.unsubscribes.check(token ?? '');
      const action = `${UNSUBSCRIBE_PAGE}?token=${encodeURIComponent(token ?? '')}`;
      this.page(res, HttpStatus.OK, 'Unsubscribe', [
        `<p>Stop mailing you about ${escapeHtml(WHAT[scope])}?</p>`,
        `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click">` +
          '<button type="submit">Unsubscribe</button></form>',
      ]);
    } catch (error) {
      this.failed(res, error);
    }
  }

  @Post('unsubscribe')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Unsubscribe from one kind of notification mail (RFC 8058 one-click)',
    description:
      'The List-Unsubscribe URL of every notification mail. Needs no token of yours, no cookie and no body: the signed ' +
      '`token` in the query names the recipient and the kind (follow, comment, mention, or all for the digest). Mail ' +
      'clients post `List-Unsubscribe=One-Click` (form-encoded); anything else in the body is ignored. Idempotent.',
  })
  @ApiQuery({ name: 'token', description: 'From the mail: `<user id>.<kind>.<signature>`' })
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiProduces('text/html')
  @ApiOkResponse({
    description: 'Unsubscribed (or already): an HTML page saying from what',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @ApiBadRequestResponse({ description: 'The token is not one this site signed' })
  async unsubscribe(@Query('token') query: string | undefined, @Body() body: FormBody | undefined, @Res() res: Response): Promise<void> {
    const token = query ?? (typeof body?.token === 'string' ? body.token : '');
    try {
      const scope = await this.unsubscribes.unsubscribe(token);
      this.page(res, HttpStatus.OK, 'Unsubscribed', [
        `<p>You will get no more mail from ${escapeHtml(this.siteName)} about ${escapeHtml(WHAT[scope])}.</p>`,
        '<p>Turn it on again in your settings (notificationMail, PATCH /api/v1/me).</p>',
      ]);
    } catch (error) {
      this.failed(res, error);
    }
  }

  /** A refused token is shown on the page; anything else goes to the error filter. */
  private failed(res: Response, error: unknown): void {
    if (!(error instanceof DomainError) || error.status >= 500) throw error;
    this.page(res, error.status, 'Unsubscribe', [`<p role="alert">${escapeHtml(error.message)}</p>`]);
  }

  private page(res: Response, status: number, title: string, parts: string[]): void {
    res
      .status(status)
      .type('html')
      .send(
        [
          '<!doctype html>',
          `<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`,
          `<title>${escapeHtml(title)} &middot; ${escapeHtml(this.siteName)}</title></head>`,
          `<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto"><h1>${escapeHtml(title)}</h1>`,
          ...parts,
          '</body></html>',
        ].join('\n'),
      );
  }
}
