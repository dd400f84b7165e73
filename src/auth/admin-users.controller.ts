import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { ListUsersQueryDto, UpdateUserDto, UserPageDto } from '../users/dto/admin-users.dto';
import { AdminUserDto } from '../users/dto/user.dto';
import { UsersService } from '../users/users.service';
import { AuthService } from './auth.service';

@ApiTags('admin')
@Controller('admin/users')
@AdminOnly()
export class AdminUsersController {
  constructor(
    private readonly users: UsersService,
    private readonly auth: AuthService,
  ) {}

  @Get()
  @ApiOkResponse({ type: UserPageDto })
  async list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    const page = await this.users.list(query.after, query.limit);
    return { items: page.items.map((user) => AdminUserDto.from(user)), next: page.next };
  }

  @Patch(':username')
  @ApiOkResponse({ type: AdminUserDto })
  @ApiNotFoundResponse({ description: 'No such user' })
  @ApiConflictResponse({ description: 'Admins cannot disable or demote themselves' })
  async update(@CurrentUser() admin: AuthUser, @Param('username') username: string, @Body() dto: UpdateUserDto): Promise<AdminUserDto> {
    return AdminUserDto.from(await this.auth.updateAccount(admin, username, dto));
  }
}
