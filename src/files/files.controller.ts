import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Authenticated, CurrentUser, Public, RequiresScope, RequiresVerifiedEmail } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { InvalidInputError } from '../common/errors/domain-errors';
import { FileDto, fileUrlOf } from './dto/file.dto';
import { UpdateFileDto } from './dto/update-file.dto';
import { FileMetrics } from './file-metrics';
import { FilePresenter } from './file.presenter';
import { PostsService } from './posts.service';
import { UploadsService } from './upload/uploads.service';
import { UPLOAD_FIELD_MAX_LENGTHS } from './upload/upload-fields';
import { MediaDelivery } from './delivery/media-delivery.service';
import { MediaRoute } from './delivery/media-route.decorator';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import { CacheScope } from '../common/cache/cache-scope';

const UPLOAD_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary', description: 'JPEG, PNG, GIF, WebP or AVIF' },
    title: { type: 'string', maxLength: UPLOAD_FIELD_MAX_LENGTHS.title },
    description: { type: 'string', maxLength: UPLOAD_FIELD_MAX_LENGTHS.description },
    altText: { type: 'string', maxLength: UPLOAD_FIELD_MAX_LENGTHS.altText },
    shake: { type: 'string', description: 'A shake you may post to; your own by default' },
  },
};

@ApiTags('files')
@Controller('files')
export class FilesController {
  constructor(
    private readonly files: PostsService,
    private readonly uploads: UploadsService,
    private readonly metrics: FileMetrics,
    private readonly media: MediaDelivery,
    private readonly presenter: FilePresenter,
  ) {}

  @Post()
  @Authenticated()
  @RequiresScope('files:write')
  @RequiresVerifiedEmail('upload')
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: UPLOAD_SCHEMA })
  @ApiCreatedResponse({ type: FileDto })
  @ApiPayloadTooLargeResponse({ description: 'Over the byte or pixel limit' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Not a JPEG, PNG, GIF, WebP or AVIF image' })
  @ApiUnprocessableEntityResponse({ description: 'A truncated or corrupt image' })
  async upload(@CurrentUser() user: AuthUser, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<FileDto> {
    const uploaded = await this.metrics.upload(this.uploads.upload(user, req));
    res.setHeader('Location', fileUrlOf(uploaded.post.key));
    return this.presenter.oneShown(uploaded);
  }

  @Get(':key')
  @Public()
  @CachedResponse({ ttlSeconds: 300, scopes: (params) => [CacheScope.file(params.key)], sameForEveryViewer: true })
  @ApiOkResponse({ type: FileDto })
  @ApiNotFoundResponse({ description: 'No such file, or it was deleted' })
  async describe(@Param('key') key: string): Promise<FileDto> {
    return this.presenter.oneShown(await this.files.getVisible(key));
  }

  @Patch(':key')
  @Authenticated()
  @ApiOkResponse({ type: FileDto })
  @ApiNotFoundResponse({ description: 'No such file, or it was deleted' })
  @ApiForbiddenResponse({ description: 'Only the owner may edit a file' })
  async update(@CurrentUser() user: AuthUser, @Param('key') key: string, @Body() dto: UpdateFileDto): Promise<FileDto> {
    if (Object.values(dto).every((value) => value === undefined))
      throw new InvalidInputError('Nothing to change: send title, description, altText or nsfw');
    return this.presenter.oneShown(await this.files.update(user, key, dto));
  }

  @Delete(':key')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiForbiddenResponse({ description: 'Only the owner or an admin may delete a file' })
  async remove(@CurrentUser() user: AuthUser, @Param('key') key: string): Promise<void> {
    await this.files.remove(user, key);
  }

  /** The bytes (ETag, conditional GET, Range, HEAD). Location metadata was stripped at upload. */
  @Get(':key/raw')
  @MediaRoute('raw')
  raw(@Param('key') key: string, @Req() req: Request, @Res() res: Response, @CurrentUser() viewer?: AuthUser): Promise<void> {
    return this.media.send('raw', key, req, res, viewer);
  }

  @Get(':key/thumbnail')
  @MediaRoute('thumbnail')
  thumbnail(@Param('key') key: string, @Req() req: Request, @Res() res: Response, @CurrentUser() viewer?: AuthUser): Promise<void> {
    return this.media.send('thumbnail', key, req, res, viewer);
  }

  @Get(':key/small')
  @MediaRoute('small')
  small(@Param('key') key: string, @Req() req: Request, @Res() res: Response, @CurrentUser() viewer?: AuthUser): Promise<void> {
    return this.media.send('small', key, req, res, viewer);
  }
}
