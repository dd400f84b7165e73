import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentUser, Public, RequiresVerifiedEmail } from '../../common/auth/auth.decorators';
import type { AuthUser } from '../../common/auth/auth-user';
import { decodeCursor } from '../../common/pagination/cursor';
import { CommentDto, CommentPageDto, CommentPageQueryDto, CreateCommentDto } from './dto/comment.dto';
import { CommentPresenter } from './comment.presenter';
import { CommentsService } from './comments.service';

@ApiTags('comments')
@Controller()
export class CommentsController {
  constructor(
    private readonly comments: CommentsService,
    private readonly presenter: CommentPresenter,
  ) {}

  @Get('files/:key/comments')
  @Public()
  @ApiOkResponse({ type: CommentPageDto })
  @ApiBadRequestResponse({ description: 'An `after` that this list did not hand out, or a limit outside 1-100' })
  @ApiNotFoundResponse({ description: 'No such file' })
  async list(@Param('key') key: string, @Query() page: CommentPageQueryDto): Promise<CommentPageDto> {
    const after = page.after === undefined ? undefined : decodeCursor('comments', page.after, 'after');
    return this.presenter.page(await this.comments.listOf(key, after, page.limit), page.limit);
  }

  @Post('files/:key/comments')
  @Authenticated()
  @RequiresVerifiedEmail('comment')
  @ApiCreatedResponse({ type: CommentDto, description: 'The comment; the owner and @mentioned users are notified shortly' })
  @ApiNotFoundResponse({ description: 'No such file' })
  async create(@CurrentUser() caller: AuthUser, @Param('key') key: string, @Body() dto: CreateCommentDto): Promise<CommentDto> {
    return this.presenter.one(await this.comments.create(caller, key, dto.body));
  }

  @Delete('comments/:id')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted; the count follows shortly' })
  @ApiForbiddenResponse({ description: 'Only the author, the owner of the file or an admin may delete it' })
  @ApiNotFoundResponse({ description: 'No such comment' })
  async remove(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<void> {
    await this.comments.remove(caller, id);
  }
}
