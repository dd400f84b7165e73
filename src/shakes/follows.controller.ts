import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentUser, Public } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { seekIn } from '../common/pagination/seek';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { FollowerPageDto, FollowingPageDto } from './dto/shake.dto';
import { FollowsService } from './follows.service';
import { ShakePresenter } from './shake.presenter';
import { ShakesService } from './shakes.service';

const BAD_PAGE = 'A `before` or `after` that this list did not hand out, both of them, or a limit outside 1-100';

/** Following a user is following their user shake, so these routes work on any shake name. */
@ApiTags('follows')
@Controller()
export class FollowsController {
  constructor(
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
    private readonly presenter: ShakePresenter,
  ) {}

  @Put('shakes/:name/follow')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Following (again: nothing changes); the follower count follows shortly' })
  @ApiNotFoundResponse({ description: 'No such shake' })
  @ApiConflictResponse({ description: 'You cannot follow your own shake' })
  async follow(@CurrentUser() caller: AuthUser, @Param('name') name: string): Promise<void> {
    await this.follows.follow(caller.id, await this.shakes.getByName(name));
  }

  @Delete('shakes/:name/follow')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Not following (any more, or never was)' })
  @ApiNotFoundResponse({ description: 'No such shake' })
  async unfollow(@CurrentUser() caller: AuthUser, @Param('name') name: string): Promise<void> {
    await this.follows.unfollow(caller.id, await this.shakes.getByName(name));
  }

  @Get('shakes/:name/followers')
  @Public()
  @ApiOkResponse({ type: FollowerPageDto })
  @ApiBadRequestResponse({ description: BAD_PAGE })
  @ApiNotFoundResponse({ description: 'No such shake' })
  async followers(@Param('name') name: string, @Query() page: PageQueryDto): Promise<FollowerPageDto> {
    const seek = seekIn('followers', page);
    const shake = await this.shakes.getByName(name);
    return this.presenter.followers(await this.follows.followersOf(shake._id, seek), seek);
  }

  @Get('me/following')
  @Authenticated()
  @ApiOkResponse({ type: FollowingPageDto })
  @ApiBadRequestResponse({ description: BAD_PAGE })
  async following(@CurrentUser() caller: AuthUser, @Query() page: PageQueryDto): Promise<FollowingPageDto> {
    const seek = seekIn('following', page);
    return this.presenter.following(await this.follows.followedBy(caller.id, seek), seek);
  }
}
