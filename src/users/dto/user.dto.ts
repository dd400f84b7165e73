import { ApiProperty } from '@nestjs/swagger';
import { notificationMailOf, type User } from '../schemas/user.schema';
import { NotificationMailSettingsViewDto } from './update-me.dto';
import { Role } from '../../common/auth/role';

type StoredUser = Pick<
  User,
  'username' | 'role' | 'createdAt' | 'email' | 'disabled' | 'showNsfw' | 'emailVerified' | 'notificationMail'
> & {
  _id: { toString(): string };
};

/** What anyone may see of a user. */
export class PublicUserDto {
  @ApiProperty({ example: 'alice' })
  username!: string;

  @ApiProperty({ description: "The user's own shake (same name)", example: 'alice' })
  shake!: string;

  @ApiProperty()
  createdAt!: string;

  static from(user: StoredUser): PublicUserDto {
    return { username: user.username, shake: user.username, createdAt: user.createdAt.toISOString() };
  }
}

/** How much a user uploaded this month (UTC) against UPLOAD_QUOTA_BYTES_PER_MONTH. */
export class UploadQuotaDto {
  @ApiProperty({ type: Number, nullable: true, description: 'Bytes you may upload this month; null: no limit', example: 104857600 })
  limitBytes!: number | null;

  @ApiProperty({ description: 'Bytes of your uploads this month (saves do not count)', example: 5242880 })
  usedBytes!: number;

  @ApiProperty({ description: 'The month counted, UTC', example: '2026-12' })
  month!: string;

  @ApiProperty({ description: 'When the count starts again from 0', example: '2027-01-01T00:00:00.000Z' })
  resetsAt!: string;

  static from(usage: { limitBytes: number | null; usedBytes: number; month: string; resetsAt: Date }): UploadQuotaDto {
    return { ...usage, resetsAt: usage.resetsAt.toISOString() };
  }
}

/** What a user sees of themselves. */
export class MeDto extends PublicUserDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ example: 'alice@example.com' })
  email!: string;

  @ApiProperty({ enum: Role })
  role!: Role;

  @ApiProperty({ description: 'Whether NSFW files show in the streams for you (off until you turn it on)' })
  showNsfw!: boolean;

  @ApiProperty({ description: 'Whether you confirmed `email` through the link mailed to it' })
  emailVerified!: boolean;

  @ApiProperty({ type: NotificationMailSettingsViewDto, description: 'Which notifications you are mailed about (PATCH /me to change)' })
  notificationMail!: NotificationMailSettingsViewDto;

  static override from(user: StoredUser): MeDto {
    return {
      ...PublicUserDto.from(user),
      id: user._id.toString(),
      email: user.email,
      role: user.role,
      showNsfw: user.showNsfw,
      emailVerified: user.emailVerified,
      notificationMail: notificationMailOf(user),
    };
  }
}

/** What an admin sees when managing users. */
export class AdminUserDto extends MeDto {
  @ApiProperty()
  disabled!: boolean;

  static override from(user: StoredUser): AdminUserDto {
    return { ...MeDto.from(user), disabled: user.disabled };
  }
}

/** GET and PATCH /me: yourself, with this month's upload quota. */
export class MeWithQuotaDto extends MeDto {
  @ApiProperty({ type: UploadQuotaDto })
  uploadQuota!: UploadQuotaDto;
}
