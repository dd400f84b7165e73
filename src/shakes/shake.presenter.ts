import { Injectable } from '@nestjs/common';
import { keysetPage, type Seek } from '../common/pagination/seek';
import { UsersService } from '../users/users.service';
import { FollowerDto, FollowerPageDto, FollowingDto, FollowingPageDto, ShakeDto } from './dto/shake.dto';
import type { FollowDocument } from './schemas/follow.schema';
import type { ShakeDocument } from './schemas/shake.schema';
import { ShakesService } from './shakes.service';

/** Turns shake and follow documents into responses, resolving the names they mention in batched queries. */
@Injectable()
export class ShakePresenter {
  constructor(
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
  ) {}

  async shake(shake: ShakeDocument): Promise<ShakeDto> {
    const usernames = await this.users.usernamesByIds([shake.ownerId, ...shake.managerIds]);
    return ShakeDto.from(shake, usernames);
  }

  /** rows: limit + 1 follows as read by the seek. */
  async followers(rows: FollowDocument[], seek: Seek): Promise<FollowerPageDto> {
    const { items, ...cursors } = keysetPage('followers', seek, rows);
    const usernames = await this.users.usernamesByIds(items.map((follow) => follow.followerId));
    return { items: items.map((follow) => FollowerDto.from(follow, usernames)), ...cursors };
  }

  /**
   * rows: limit + 1 follows as read by the seek. A follow whose shake was just deleted (its clean-up job has
   * not run yet) is left out of the items but still moves the cursors, so pages stay consistent.
   */
  async following(rows: FollowDocument[], seek: Seek): Promise<FollowingPageDto> {
    const { items, ...cursors } = keysetPage('following', seek, rows);
    const shakes = new Map(
      (await this.shakes.findByIds(items.map((follow) => follow.shakeId))).map((shake) => [shake._id.toHexString(), shake]),
    );
    const usernames = await this.users.usernamesByIds([...shakes.values()].map((shake) => shake.ownerId));
    return {
      items: items.flatMap((follow) => {
        const shake = shakes.get(follow.shakeId.toHexString());
        return shake ? [FollowingDto.from(follow, shake, usernames)] : [];
      }),
      ...cursors,
    };
  }
}
