import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, Public } from '../../common/auth/auth.decorators';
import { type AuthUser, showsNsfw } from '../../common/auth/auth-user';
import { FilePresenter } from '../../files/file.presenter';
import { MAGIC_LIKES } from '../../files/post-counts.service';
import { FilePageDto } from './dto/file-page.dto';
import { StreamQueryDto } from './dto/stream-query.dto';
import { StreamsService } from './streams.service';
import { CachedResponse } from '../../common/cache/cached-response.decorator';
import { CacheScope, STREAM_TTL_SECONDS } from '../../common/cache/cache-scope';

const BAD_PAGE = 'A `before` or `after` that this list did not hand out, both of them, or a limit outside 1-100';

@ApiTags('streams')
@Controller()
@ApiBadRequestResponse({ description: BAD_PAGE })
export class StreamsController {
  constructor(
    private readonly streams: StreamsService,
    private readonly presenter: FilePresenter,
  ) {}

  @Get('shakes/:name/files')
  @Public()
  @CachedResponse({ ttlSeconds: STREAM_TTL_SECONDS, scopes: (params) => [CacheScope.shake(params.name)], sameUnlessNsfwShown: true })
  @ApiOkResponse({ type: FilePageDto, description: "The shake's files, newest first; NSFW files only for callers who opted in" })
  @ApiNotFoundResponse({ description: 'No such shake' })
  async shakeFiles(@Param('name') name: string, @Query() page: StreamQueryDto, @CurrentUser() caller?: AuthUser): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.shakeFiles(name, page, showsNsfw(caller)), showsNsfw(caller));
  }

  @Get('timeline')
  @Authenticated()
  @ApiOkResponse({
    type: FilePageDto,
    description: 'Files from the shakes you follow and your own, newest first, each image once; NSFW files only if you opted in',
  })
  async timeline(@CurrentUser() caller: AuthUser, @Query() page: StreamQueryDto): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.timeline(caller.id, page, showsNsfw(caller)), showsNsfw(caller));
  }

  @Get('incoming')
  @Public()
  @CachedResponse({ ttlSeconds: STREAM_TTL_SECONDS, scopes: () => [CacheScope.stream('incoming')], sameUnlessNsfwShown: true })
  @ApiOkResponse({ type: FilePageDto, description: 'New originals (not saves), newest first; NSFW files only for callers who opted in' })
  async incoming(@Query() page: StreamQueryDto, @CurrentUser() caller?: AuthUser): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.incoming(page, showsNsfw(caller)), showsNsfw(caller));
  }

  @Get('popular')
  @Public()
  @CachedResponse({ ttlSeconds: STREAM_TTL_SECONDS, scopes: () => [CacheScope.stream('popular')], sameUnlessNsfwShown: true })
  @ApiOkResponse({
    type: FilePageDto,
    description: 'Recent originals by likes / (minutes + 3)^1.5, from a ranking refreshed every few minutes; NSFW files never ranked',
  })
  @ApiBadRequestResponse({ description: `${BAD_PAGE}, or a cursor of a ranking that has expired (start again)` })
  async popular(@Query() page: StreamQueryDto, @CurrentUser() caller?: AuthUser): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.popularFiles(page, showsNsfw(caller)), showsNsfw(caller));
  }

  @Get('magic')
  @Public()
  @CachedResponse({ ttlSeconds: STREAM_TTL_SECONDS, scopes: () => [CacheScope.stream('magic')], sameUnlessNsfwShown: true })
  @ApiOkResponse({
    type: FilePageDto,
    description: `Originals that reached ${MAGIC_LIKES} likes, most recent first; NSFW files only for callers who opted in`,
  })
  async magic(@Query() page: StreamQueryDto, @CurrentUser() caller?: AuthUser): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.magic(page, showsNsfw(caller)), showsNsfw(caller));
  }

  @Get('tags/:tag')
  @Public()
  @CachedResponse({ ttlSeconds: STREAM_TTL_SECONDS, scopes: (params) => [CacheScope.tag(params.tag)], sameUnlessNsfwShown: true })
  @ApiOkResponse({
    type: FilePageDto,
    description: 'Originals whose description has #tag, newest first; NSFW files only for callers who opted in',
  })
  @ApiNotFoundResponse({ description: 'Not a tag (1-30 letters, digits or _)' })
  async tagged(@Param('tag') tag: string, @Query() page: StreamQueryDto, @CurrentUser() caller?: AuthUser): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.tagged(tag, page, showsNsfw(caller)), showsNsfw(caller));
  }

  @Get('users/:username/likes')
  @Public()
  @ApiOkResponse({
    type: FilePageDto,
    description: 'Files the user liked, most recent like first; NSFW files only for callers who opted in',
  })
  @ApiNotFoundResponse({ description: 'No such user' })
  async likes(@Param('username') username: string, @Query() page: StreamQueryDto, @CurrentUser() caller?: AuthUser): Promise<FilePageDto> {
    return this.presenter.page(await this.streams.likedBy(username, page, showsNsfw(caller)), showsNsfw(caller));
  }
}
