import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { ConflictError } from '../common/errors/domain-errors';
import { ListUsersQueryDto, UpdateUserDto, UserPageDto } from './dto/admin-users.dto';
import { AdminUserDto } from './dto/user.dto';
import { Role } from '../common/auth/role';
import { UsersService } from './users.service';

@ApiTags('admin')
@Controller('admin/users')
@AdminOnly()
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  async list(@Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    const page = await this.users.list(query.after, query.limit);
    return { items: page.items.map((user) => AdminUserDto.from(user)), next: page.next };
  }

  /** Disabling a user makes every token of theirs stop working at once; enabling restores them. */
  @Patch(':username')
  @ApiNotFoundResponse({ description: 'No such user' })
  @ApiConflictResponse({ description: 'Admins cannot disable or demote themselves' })
  async update(
    @CurrentUser() admin: AuthUser,
    @Param('username') username: string,
    @Body() dto: UpdateUserDto,
  ): Promise<AdminUserDto> {
    const user = await this.users.getByUsername(username);
    if (user._id.equals(admin.id) && (dto.disabled === true || dto.role === Role.User)) {
      throw new ConflictError('You cannot disable or demote yourself; ask another admin');
    }
    return AdminUserDto.from(await this.users.update(user._id, dto));
  }
}
