import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentUser, Public, RequiresVerifiedEmail } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { UsersService } from '../users/users.service';
import { CreateShakeDto, UpdateShakeDto } from './dto/shake-input.dto';
import { ShakeDto } from './dto/shake.dto';
import { ShakePresenter } from './shake.presenter';
import { ShakesService } from './shakes.service';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import { CacheScope } from '../common/cache/cache-scope';

@ApiTags('shakes')
@Controller('shakes')
export class ShakesController {
  constructor(
    private readonly shakes: ShakesService,
    private readonly users: UsersService,
    private readonly presenter: ShakePresenter,
  ) {}

  @Post()
  @Authenticated()
  @RequiresVerifiedEmail('create-shake')
  @ApiCreatedResponse({ type: ShakeDto, description: 'The new group shake, owned by the caller' })
  @ApiBadRequestResponse({ description: 'Invalid or reserved name, missing title, or too long a text' })
  @ApiConflictResponse({ description: 'The name is taken by a user or a shake (any case), or the per-user limit is reached' })
  async create(@CurrentUser() caller: AuthUser, @Body() dto: CreateShakeDto): Promise<ShakeDto> {
    return this.presenter.shake(await this.shakes.createGroupShake(caller.id, dto));
  }

  @Get(':name')
  @Public()
  @CachedResponse({ ttlSeconds: 300, scopes: (params) => [CacheScope.shake(params.name)], sameForEveryViewer: true })
  @ApiOkResponse({ type: ShakeDto })
  @ApiNotFoundResponse({ description: 'No shake of that name (compared without regard to case)' })
  async get(@Param('name') name: string): Promise<ShakeDto> {
    return this.presenter.shake(await this.shakes.getByName(name));
  }

  @Patch(':name')
  @Authenticated()
  @ApiOkResponse({ type: ShakeDto })
  @ApiForbiddenResponse({ description: 'Not the owner of the shake, nor an admin' })
  @ApiNotFoundResponse({ description: 'No such shake' })
  async update(@CurrentUser() caller: AuthUser, @Param('name') name: string, @Body() dto: UpdateShakeDto): Promise<ShakeDto> {
    const shake = await this.shakes.getByName(name);
    return this.presenter.shake(await this.shakes.update(caller, shake, dto));
  }

  @Delete(':name')
  @Authenticated()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted; its follows are removed by a job shortly after' })
  @ApiForbiddenResponse({ description: 'Not the owner of the shake, nor an admin' })
  @ApiNotFoundResponse({ description: 'No such shake' })
  @ApiConflictResponse({ description: 'A user shake cannot be deleted' })
  async delete(@CurrentUser() caller: AuthUser, @Param('name') name: string): Promise<void> {
    await this.shakes.deleteGroupShake(caller, await this.shakes.getByName(name));
  }

  @Put(':name/managers/:username')
  @Authenticated()
  @ApiOkResponse({ type: ShakeDto, description: 'The shake with its managers; adding twice changes nothing' })
  @ApiForbiddenResponse({ description: 'Not the owner of the shake (admins and managers cannot change managers)' })
  @ApiNotFoundResponse({ description: 'No such shake or user' })
  @ApiConflictResponse({ description: 'A user shake, the owner themselves, or too many managers' })
  async addManager(@CurrentUser() caller: AuthUser, @Param('name') name: string, @Param('username') username: string): Promise<ShakeDto> {
    const shake = await this.shakes.getByName(name);
    const user = await this.users.getByUsername(username);
    return this.presenter.shake(await this.shakes.addManager(caller, shake, user._id));
  }

  @Delete(':name/managers/:username')
  @Authenticated()
  @ApiOkResponse({ type: ShakeDto, description: 'The shake with its managers; removing a non-manager changes nothing' })
  @ApiForbiddenResponse({ description: 'Not the owner of the shake' })
  @ApiNotFoundResponse({ description: 'No such shake or user' })
  async removeManager(
    @CurrentUser() caller: AuthUser,
    @Param('name') name: string,
    @Param('username') username: string,
  ): Promise<ShakeDto> {
    const shake = await this.shakes.getByName(name);
    const user = await this.users.getByUsername(username);
    return this.presenter.shake(await this.shakes.removeManager(caller, shake, user._id));
  }
}
