import { Controller, Get, Param, Query, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth/auth.decorators';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import { CacheScope } from '../common/cache/cache-scope';
import { DomainError, NotFoundError } from '../common/errors/domain-errors';
import { isReservedName } from '../shakes/reserved-names';
import { ANY_SHAKE_NAME } from '../shakes/shake-names';
import { pageSettingsScope } from './page-site';
import { PAGE_PATHS } from './page-routes';
import { SharePagesService } from './share-pages.service';

export const HTML = 'text/html; charset=utf-8';

/** Entries are fresh through their scopes (the file's, the shake's); the TTL is only the safety net. */
const PAGE_TTL_SECONDS = 300;

const TITLES: Record<number, string> = { 400: 'Bad request', 404: 'Not found' };

/**
 * The share pages, outside /api/v1: /p/<key> for a file and /<name> (or /shake/<name>) for a shake. Cached like the API (the
 * response cache, its scopes, ETag and 304) and the same for every viewer: a page never depends on who asks.
 */
@ApiExcludeController()
@Public()
@Controller({ version: VERSION_NEUTRAL })
export class SharePagesController {
  constructor(private readonly pages: SharePagesService) {}

  @Get(`${PAGE_PATHS.file}/:key`)
  @CachedResponse({
    ttlSeconds: PAGE_TTL_SECONDS,
    scopes: (params) => [pageSettingsScope(), CacheScope.file(params.key)],
    sameForEveryViewer: true,
    contentType: HTML,
  })
  file(@Param('key') key: string, @Res({ passthrough: true }) res: Response): Promise<string> {
    return this.answer(res, () => this.pages.filePage(key));
  }

  /** /<name> comes here (routeShakePages); a reserved or impossible name is no page (the usual JSON 404). */
  @Get(`${PAGE_PATHS.shake}/:name`)
  @CachedResponse({
    ttlSeconds: PAGE_TTL_SECONDS,
    scopes: (params) => [pageSettingsScope(), CacheScope.shake(params.name)],
    sameForEveryViewer: true,
    contentType: HTML,
  })
  shake(@Param('name') name: string, @Query('before') before: unknown, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (!ANY_SHAKE_NAME.test(name) || isReservedName(name)) throw new NotFoundError(`Cannot GET /${name}`);
    return this.answer(res, () => {
      if (before !== undefined && typeof before !== 'string') throw new NotFoundError('No such page of this shake');
      return this.pages.shakePage(name, before);
    });
  }

  /** A refused request is a small HTML page with its status (never cached); anything else goes to the error filter. */
  private async answer(res: Response, renderPage: () => Promise<string>): Promise<string> {
    try {
      return await renderPage();
    } catch (error) {
      if (!(error instanceof DomainError) || error.status >= 500) throw error;
      res.status(error.status).setHeader('Cache-Control', 'no-store').type(HTML);
      return this.pages.messagePage(TITLES[error.status] ?? 'Refused', error.message);
    }
  }
}
