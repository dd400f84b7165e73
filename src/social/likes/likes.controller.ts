import { Controller, Delete, HttpCode, HttpStatus, Param, Put } from '@nestjs/common';
import { ApiConflictResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../../common/auth/auth.decorators';
import type { AuthUser } from '../../common/auth/auth-user';
import { LikesService } from './likes.service';

@ApiTags('likes')
@Controller('files/:key/like')
@Authenticated()
export class LikesController {
  constructor(private readonly likes: LikesService) {}

  @Put()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({
    description:
      'Liked (again: nothing changes), so your `viewer.liked` on this file is true from now on; a saved copy likes its ' +
      'original too; the count follows shortly. GET /files/:key re-reads the state (the shared cache entry plus your part)',
  })
  @ApiNotFoundResponse({ description: 'No such file' })
  @ApiConflictResponse({ description: 'You cannot like your own file' })
  async like(@CurrentUser() caller: AuthUser, @Param('key') key: string): Promise<void> {
    await this.likes.like(caller.id, key);
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({
    description: 'Not liked (any more, or never was), so your `viewer.liked` on this file is false; only this file, not its original',
  })
  @ApiNotFoundResponse({ description: 'No such file' })
  async unlike(@CurrentUser() caller: AuthUser, @Param('key') key: string): Promise<void> {
    await this.likes.unlike(caller.id, key);
  }
}
