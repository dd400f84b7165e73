import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { NotFoundError } from '../common/errors/domain-errors';
import { UpdateMeDto } from '../users/dto/update-me.dto';
import { MeDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { CreatedTokenDto, CreateTokenDto, TokenDto } from './dto/token.dto';
import { TokensService } from './tokens.service';

@ApiTags('me')
@Controller('me')
@Authenticated()
export class MeController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokensService,
  ) {}

  @Get()
  async me(@CurrentUser() caller: AuthUser): Promise<MeDto> {
    const user = await this.users.findById(caller.id);
    if (!user) throw new NotFoundError('No such user');
    return MeDto.from(user);
  }

  @Patch()
  @ApiBadRequestResponse({ description: 'A setting that is not one, or of the wrong type' })
  async update(@CurrentUser() caller: AuthUser, @Body() dto: UpdateMeDto): Promise<MeDto> {
    return MeDto.from(await this.users.updateSettings(caller.id, dto));
  }

  @Get('tokens')
  async listTokens(@CurrentUser() caller: AuthUser): Promise<TokenDto[]> {
    return (await this.tokens.list(caller.id)).map((token) => TokenDto.from(token));
  }

  @Post('tokens')
  async createToken(@CurrentUser() caller: AuthUser, @Body() dto: CreateTokenDto): Promise<CreatedTokenDto> {
    const { token, secret } = await this.tokens.issue(caller.id, dto.name);
    return { ...TokenDto.from(token), token: secret };
  }

  @Delete('tokens/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNotFoundResponse({ description: 'No such token among yours' })
  async revokeToken(@CurrentUser() caller: AuthUser, @Param('id') id: string): Promise<void> {
    await this.tokens.revoke(caller.id, id);
  }
}
