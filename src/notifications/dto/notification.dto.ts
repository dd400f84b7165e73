import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { TwoWayPageDto } from '../../common/pagination/page.dto';
import { type Notification, NotificationType } from '../schemas/notification.schema';

/** Names by id (hex) for everything a page of notifications mentions, resolved in batched queries. */
export interface NotificationNames {
  usernames: ReadonlyMap<string, string>;
  shakeNames: ReadonlyMap<string, string>;
}

class ActorDto {
  @ApiProperty({ example: 'bob' })
  username!: string;
}

class ShakeRefDto {
  @ApiProperty({ example: 'cats' })
  name!: string;
}

export class NotificationDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ enum: NotificationType })
  type!: NotificationType;

  @ApiProperty({ type: ActorDto, description: 'Who did it' })
  actor!: ActorDto;

  @ApiPropertyOptional({ type: ShakeRefDto, nullable: true, description: 'The followed shake (null once deleted)' })
  shake!: ShakeRefDto | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The liked, saved or commented file' })
  fileId!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'The comment (comments and mentions)' })
  commentId!: string | null;

  @ApiProperty()
  createdAt!: string;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'When it was marked read; null while unread' })
  readAt!: string | null;

  static from(notification: Notification & { _id: { toHexString(): string } }, names: NotificationNames): NotificationDto {
    const shakeName = notification.shakeId && names.shakeNames.get(notification.shakeId.toHexString());
    return {
      id: notification._id.toHexString(),
      type: notification.type,
      actor: { username: names.usernames.get(notification.actorId.toHexString()) ?? '[unknown]' },
      shake: shakeName ? { name: shakeName } : null,
      fileId: notification.fileId?.toHexString() ?? null,
      commentId: notification.commentId?.toHexString() ?? null,
      createdAt: notification.createdAt.toISOString(),
      readAt: notification.readAt?.toISOString() ?? null,
    };
  }
}

export class NotificationPageDto extends TwoWayPageDto {
  @ApiProperty({ type: [NotificationDto], description: 'Newest first' })
  items!: NotificationDto[];

  @ApiProperty({ description: 'Unread notifications in all, not only on this page' })
  unread!: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Pass as `before` to POST /notifications/read to mark read everything shown up to now (this page, older ones) ' +
      'but nothing that arrived since; null when the page is empty',
  })
  readCursor!: string | null;
}

export class MarkReadDto {
  @ApiPropertyOptional({
    description: 'A cursor from the notifications list (`readCursor` or `next`): marks read what is older. Without it, all.',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(200)
  before?: string;
}

export class MarkedReadDto {
  @ApiProperty({ description: 'How many were marked read now' })
  marked!: number;

  @ApiProperty({ description: 'Unread notifications left' })
  unread!: number;
}
