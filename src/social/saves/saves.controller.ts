import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, CurrentUser, RequiresVerifiedEmail } from '../../common/auth/auth.decorators';
import type { AuthUser } from '../../common/auth/auth-user';
import { NotFoundError } from '../../common/errors/domain-errors';
import { FileDto, fileUrlOf } from '../../files/dto/file.dto';
import { FilePresenter } from '../../files/file.presenter';
import { SaveFileDto } from './dto/save.dto';
import { SavesService } from './saves.service';

@ApiTags('saves')
@Controller('files/:key/save')
export class SavesController {
  constructor(
    private readonly saves: SavesService,
    private readonly presenter: FilePresenter,
  ) {}

  @Post()
  @Authenticated()
  @RequiresVerifiedEmail('save')
  @ApiCreatedResponse({
    type: FileDto,
    description:
      'The new post in your shake (or the one named), with `viewer.saved: true`; the saved file now shows `viewer.saved: true` too',
  })
  @ApiOkResponse({ type: FileDto, description: 'You had saved this file already: that save (`viewer.saved: true`)' })
  @ApiNotFoundResponse({ description: 'No such file or shake' })
  @ApiForbiddenResponse({ description: 'You may not post to that shake' })
  @ApiConflictResponse({ description: 'You cannot save your own file (or a copy of it)' })
  async save(
    @CurrentUser() caller: AuthUser,
    @Param('key') key: string,
    @Body() dto: SaveFileDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<FileDto> {
    const { post, created } = await this.saves.save(caller.id, key, dto.shake);
    const file = await this.presenter.one(post);
    if (!file) throw new NotFoundError('No such file');
    res.status(created ? 201 : 200).setHeader('Location', fileUrlOf(file.key));
    return file;
  }
}
