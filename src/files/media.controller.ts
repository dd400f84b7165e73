import { Controller, Get, Param, Req, Res, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { MediaDelivery } from './delivery/media-delivery.service';
import { MediaRoute } from './delivery/media-route.decorator';
import { SHORT_MEDIA_PATHS } from './delivery/short-media-paths';

/** The short public media URLs, outside /api/v1: the same answers as /api/v1/files/:key/raw, /thumbnail and /small. */
@ApiTags('media')
@Controller({ version: VERSION_NEUTRAL })
export class MediaController {
  constructor(private readonly media: MediaDelivery) {}

  @Get(`${SHORT_MEDIA_PATHS.raw}/:key`)
  @MediaRoute('raw')
  raw(@Param('key') key: string, @Req() req: Request, @Res() res: Response, @CurrentUser() viewer?: AuthUser): Promise<void> {
    return this.media.send('raw', key, req, res, viewer);
  }

  @Get(`${SHORT_MEDIA_PATHS.thumbnail}/:key`)
  @MediaRoute('thumbnail')
  thumbnail(@Param('key') key: string, @Req() req: Request, @Res() res: Response, @CurrentUser() viewer?: AuthUser): Promise<void> {
    return this.media.send('thumbnail', key, req, res, viewer);
  }

  @Get(`${SHORT_MEDIA_PATHS.small}/:key`)
  @MediaRoute('small')
  small(@Param('key') key: string, @Req() req: Request, @Res() res: Response, @CurrentUser() viewer?: AuthUser): Promise<void> {
    return this.media.send('small', key, req, res, viewer);
  }
}
