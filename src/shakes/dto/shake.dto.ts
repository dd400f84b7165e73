import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { TwoWayPageDto } from '../../common/pagination/page.dto';
import type { Follow } from '../schemas/follow.schema';
import { type Shake, ShakeType } from '../schemas/shake.schema';

/** Usernames by user id (hex), resolved in one query for everything a response mentions. */
export type Usernames = ReadonlyMap<string, string>;

/** A user as shown inside other responses. */
export class UserRefDto {
  @ApiProperty({ example: 'alice' })
  username!: string;
}

const userRef = (id: { toHexString(): string }, usernames: Usernames): UserRefDto => ({
  username: usernames.get(id.toHexString()) ?? '[unknown]',
});

/** The signed-in caller's relation to a shake; added per request after the response cache (docs/caching.md). */
export class ShakeViewerDto {
  @ApiProperty({ description: 'You follow this shake' }) following!: boolean;
  @ApiProperty({ description: 'You may post to it (its owner or a manager)' }) canPost!: boolean;
}

export const SHAKE_VIEWER_DESCRIPTION = 'Signed-in callers only (absent for anonymous ones): you and this shake';

/** A shake as listed (in someone's following list). */
export class ShakeSummaryDto {
  @ApiProperty({ example: 'cats', description: 'Its name in /shakes/:name' })
  name!: string;

  @ApiProperty({ enum: ShakeType })
  type!: ShakeType;

  @ApiProperty({ example: 'Cats of Malted' })
  title!: string;

  @ApiProperty({ type: UserRefDto })
  owner!: UserRefDto;

  @ApiPropertyOptional({ type: ShakeViewerDto, description: SHAKE_VIEWER_DESCRIPTION })
  viewer?: ShakeViewerDto;

  static from(shake: Shake, usernames: Usernames): ShakeSummaryDto {
    return { name: shake.name, type: shake.type, title: shake.title, owner: userRef(shake.ownerId, usernames) };
  }
}

/** A shake's page. */
export class ShakeDto extends ShakeSummaryDto {
  @ApiProperty()
  description!: string;

  @ApiProperty({ type: [UserRefDto], description: 'Who may post besides the owner (group shakes only)' })
  managers!: UserRefDto[];

  @ApiProperty({ description: 'Updated by a job shortly after each follow or unfollow' })
  followerCount!: number;

  @ApiProperty()
  fileCount!: number;

  @ApiProperty()
  createdAt!: string;

  static override from(shake: Shake, usernames: Usernames): ShakeDto {
    return {
      ...ShakeSummaryDto.from(shake, usernames),
      description: shake.description,
      managers: shake.managerIds.map((id) => userRef(id, usernames)),
      followerCount: shake.followerCount,
      fileCount: shake.fileCount,
      createdAt: shake.createdAt.toISOString(),
    };
  }
}

export class FollowerDto {
  @ApiProperty({ type: UserRefDto })
  user!: UserRefDto;

  @ApiProperty()
  followedAt!: string;

  static from(follow: Follow, usernames: Usernames): FollowerDto {
    return { user: userRef(follow.followerId, usernames), followedAt: follow.createdAt.toISOString() };
  }
}

export class FollowingDto {
  @ApiProperty({ type: ShakeSummaryDto })
  shake!: ShakeSummaryDto;

  @ApiProperty()
  followedAt!: string;

  static from(follow: Follow, shake: Shake, usernames: Usernames): FollowingDto {
    return { shake: ShakeSummaryDto.from(shake, usernames), followedAt: follow.createdAt.toISOString() };
  }
}

export class FollowerPageDto extends TwoWayPageDto {
  @ApiProperty({ type: [FollowerDto], description: 'Newest follower first' })
  items!: FollowerDto[];
}

export class FollowingPageDto extends TwoWayPageDto {
  @ApiProperty({ type: [FollowingDto], description: 'Most recently followed first' })
  items!: FollowingDto[];
}

export class RecountQueuedDto {
  @ApiProperty({ description: 'The Bull job id; watch it in the queue dashboard' })
  jobId!: string;
}
