import { Controller, Get, Param } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { PublicUserDto } from './dto/user.dto';
import { UsersService } from './users.service';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import { CacheScope } from '../common/cache/cache-scope';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get(':username')
  @Public()
  @CachedResponse({ ttlSeconds: 300, scopes: (params) => [CacheScope.user(params.username)], sameForEveryViewer: true })
  @ApiOkResponse({ type: PublicUserDto })
  @ApiNotFoundResponse({ description: 'No such user (or the user is disabled)' })
  async profile(@Param('username') username: string): Promise<PublicUserDto> {
    return PublicUserDto.from(await this.users.getActiveByUsername(username));
  }
}
