import { Injectable } from '@nestjs/common';
import { cursorAbove } from '../common/pagination/cursor';
import { keysetPage, type Seek } from '../common/pagination/seek';
import { ShakesService } from '../shakes/shakes.service';
import { UsersService } from '../users/users.service';
import { NotificationDto, type NotificationPageDto } from './dto/notification.dto';
import type { NotificationDocument } from './schemas/notification.schema';

/** Turns notification documents into responses, resolving actor and shake names in batched queries. */
@Injectable()
export class NotificationPresenter {
  constructor(
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
  ) {}

  /** rows: limit + 1 notifications as read by the seek. */
  async page(rows: NotificationDocument[], seek: Seek, unread: number): Promise<NotificationPageDto> {
    const { items, ...cursors } = keysetPage('notifications', seek, rows);
    const shakeIds = items.flatMap((n) => (n.shakeId ? [n.shakeId] : []));
    const [usernames, shakes] = await Promise.all([
      this.users.usernamesByIds(items.map((n) => n.actorId)),
      this.shakes.findByIds(shakeIds),
    ]);
    const shakeNames = new Map(shakes.map((shake) => [shake._id.toHexString(), shake.name]));
    return {
      items: items.map((n) => NotificationDto.from(n, { usernames, shakeNames })),
      unread,
      ...cursors,
      readCursor: items.length > 0 ? cursorAbove('notifications', items[0]._id) : null,
    };
  }
}
