import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { AdminOnly, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { CreatedInviteDto, CreateInviteDto, InviteDto } from './dto/invite.dto';
import { INVITES_LISTED, InvitesService } from './invites.service';

@ApiTags('admin')
@Controller('admin/invites')
@AdminOnly()
export class AdminInvitesController {
  constructor(private readonly invites: InvitesService) {}

  /** The code is in this answer only; pass it on to whom you invite. */
  @Post()
  @ApiCreatedResponse({ type: CreatedInviteDto, description: 'The code is shown only now' })
  async create(@CurrentUser() admin: AuthUser, @Body() dto: CreateInviteDto): Promise<CreatedInviteDto> {
    const { invite, code } = await this.invites.create(admin.id, dto.uses ?? 1, dto.expiresInDays ?? 7);
    return { ...InviteDto.from(invite), code };
  }

  @Get()
  @ApiOkResponse({ type: [InviteDto], description: `The newest ${INVITES_LISTED} invites, used up and expired ones too` })
  async list(): Promise<InviteDto[]> {
    return (await this.invites.list()).map((invite) => InviteDto.from(invite));
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNotFoundResponse({ description: 'No such invite' })
  async revoke(@Param('id') id: string): Promise<void> {
    await this.invites.revoke(id);
  }
}
