import { Injectable } from '@nestjs/common';
import { encodeCursor } from '../common/pagination/cursor';
import { toPage } from '../common/pagination/to-page';
import { UsersService } from '../users/users.service';
import { FollowerDto, FollowerPageDto, FollowingDto, FollowingPageDto, ShakeDto } from './dto/shake.dto';
import type { FollowDocument } from './schemas/follow.schema';
import type { ShakeDocument } from './schemas/shake.schema';
import { ShakesService } from './shakes.service';

/** Turns shake and follow documents into responses, resolving the names they mention in batched queries. */
@Injectable()
export class ShakeViews {
  constructor(
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
  ) {}

  async shake(shake: ShakeDocument): Promise<ShakeDto> {
    const usernames = await this.users.usernamesByIds([shake.ownerId, ...shake.managerIds]);
    return ShakeDto.from(shake, usernames);
  }

  /** rows: limit + 1 follows, newest first. */
  async followers(rows: FollowDocument[], limit: number): Promise<FollowerPageDto> {
    const { items, hasMore } = toPage(rows, limit);
    const usernames = await this.users.usernamesByIds(items.map((follow) => follow.followerId));
    return {
      items: items.map((follow) => FollowerDto.from(follow, usernames)),
      next: hasMore ? encodeCursor('followers', items[items.length - 1]._id) : null,
    };
  }

  /**
   * rows: limit + 1 follows, newest first. A follow whose shake was just deleted (its clean-up job has not
   * run yet) is left out of the items but still moves the cursor, so pages stay consistent.
   */
  async following(rows: FollowDocument[], limit: number): Promise<FollowingPageDto> {
    const { items, hasMore } = toPage(rows, limit);
    const shakes = new Map(
      (await this.shakes.findByIds(items.map((follow) => follow.shakeId))).map((shake) => [shake._id.toHexString(), shake]),
    );
    const usernames = await this.users.usernamesByIds([...shakes.values()].map((shake) => shake.ownerId));
    return {
      items: items.flatMap((follow) => {
        const shake = shakes.get(follow.shakeId.toHexString());
        return shake ? [FollowingDto.from(follow, shake, usernames)] : [];
      }),
      next: hasMore ? encodeCursor('following', items[items.length - 1]._id) : null,
    };
  }
}
