import { createHash } from 'node:crypto';
import { Controller, Get, Param, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../common/auth/auth.decorators';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import { CacheScope, STREAM_TTL_SECONDS } from '../common/cache/cache-scope';
import { NotFoundError } from '../common/errors/domain-errors';
import { FeedsService } from './feeds.service';
import { pageSettingsScope } from './page-site';
import { FEED_FORMATS, type FeedFormat, PAGE_PATHS, parseFeedFile } from './page-routes';

const subjectOf = (file: string) => parseFeedFile(file)?.subject ?? file;

/** One route per source serves the three formats: the extension decides the type (an unknown one is a 404 anyway). */
const feedTypeOf = (params: Record<string, string>) => FEED_FORMATS[parseFeedFile(params.file)?.format ?? 'rss'];

/**
 * /feeds/shakes/<name>.rss|.atom|.json, /feeds/tags/<tag>.*, /feeds/likes/<username>.*. A shake's and a tag's
 * feeds are in the response cache under the scope their lists already have (a post in the shake or with the tag,
 * an edit, a delete make the next read fresh), with ETag and Last-Modified; a user's likes have no scope (a like
 * bumps none), so that feed is rendered on every request, with an ETag of its bytes. Either way a feed reader's
 * If-None-Match (or If-Modified-Since) gets a 304.
 */
@ApiExcludeController()
@Public()
@Controller({ path: PAGE_PATHS.feeds, version: VERSION_NEUTRAL })
export class FeedsController {
  constructor(private readonly feeds: FeedsService) {}

  @Get('shakes/:file')
  @CachedResponse({
    ttlSeconds: STREAM_TTL_SECONDS,
    scopes: (params) => [pageSettingsScope(), CacheScope.shake(subjectOf(params.file))],
    sameForEveryViewer: true,
    contentType: feedTypeOf,
  })
  shake(@Param('file') file: string): Promise<string> {
    const { subject, format } = this.parse(file);
    return this.feeds.shake(subject, format);
  }

  @Get('tags/:file')
  @CachedResponse({
    ttlSeconds: STREAM_TTL_SECONDS,
    scopes: (params) => [pageSettingsScope(), CacheScope.tag(subjectOf(params.file))],
    sameForEveryViewer: true,
    contentType: feedTypeOf,
  })
  tag(@Param('file') file: string): Promise<string> {
    const { subject, format } = this.parse(file);
    return this.feeds.tag(subject, format);
  }

  @Get('likes/:file')
  async likes(@Param('file') file: string, @Res({ passthrough: true }) res: Response): Promise<string> {
    const { subject, format } = this.parse(file);
    const body = await this.feeds.likes(subject, format);
    res.setHeader('Cache-Control', 'public, max-age=0');
    res.setHeader('ETag', `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`);
    res.setHeader('Content-Type', FEED_FORMATS[format]);
    return body;
  }

  private parse(file: string): { subject: string; format: FeedFormat } {
    const parsed = parseFeedFile(file);
    if (!parsed) throw new NotFoundError('A feed ends in .rss, .atom or .json');
    return parsed;
  }
}
