import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { decodeCursor } from '../common/pagination/cursor';
import { seekIn } from '../common/pagination/seek';
import { PageQueryDto } from '../common/pagination/page-query.dto';
import { MarkedReadDto, MarkReadDto, NotificationPageDto } from './dto/notification.dto';
import { NotificationPresenter } from './notification.presenter';
import { NotificationsService } from './notifications.service';

@ApiTags('notifications')
@Controller('notifications')
@Authenticated()
export class NotificationsController {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly presenter: NotificationPresenter,
  ) {}

  @Get()
  @ApiOkResponse({ type: NotificationPageDto })
  @ApiBadRequestResponse({ description: 'A `before` or `after` that this list did not hand out, both of them, or a limit outside 1-100' })
  async list(@CurrentUser() caller: AuthUser, @Query() page: PageQueryDto): Promise<NotificationPageDto> {
    const seek = seekIn('notifications', page);
    const [rows, unread] = await Promise.all([this.notifications.listFor(caller.id, seek), this.notifications.unreadCountOf(caller.id)]);
    return this.presenter.page(rows, seek, unread);
  }

  @Post('read')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MarkedReadDto })
  @ApiBadRequestResponse({ description: 'A `before` that the notifications list did not hand out' })
  async markRead(@CurrentUser() caller: AuthUser, @Body() dto: MarkReadDto): Promise<MarkedReadDto> {
    const before = dto.before === undefined ? undefined : decodeCursor('notifications', dto.before);
    const marked = await this.notifications.markRead(caller.id, before);
    return { marked, unread: await this.notifications.unreadCountOf(caller.id) };
  }
}
