import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsObject, ValidateNested } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

/** Which notifications you are mailed about, and how; every field is optional and only those given change. */
export class NotificationMailSettingsDto {
  @ApiPropertyOptional({ description: 'Mail me when someone follows me or one of my shakes' })
  @OptionalNotNull()
  @IsBoolean()
  follow?: boolean;

  @ApiPropertyOptional({ description: 'Mail me when someone comments on one of my files' })
  @OptionalNotNull()
  @IsBoolean()
  comment?: boolean;

  @ApiPropertyOptional({ description: 'Mail me when someone @mentions me in a comment' })
  @OptionalNotNull()
  @IsBoolean()
  mention?: boolean;

  @ApiPropertyOptional({
    description:
      'One mail a day instead of one per event: the events of each UTC day (00:00-24:00 UTC) of the kinds turned on, mailed soon after 00:00 UTC',
  })
  @OptionalNotNull()
  @IsBoolean()
  digest?: boolean;
}

/** PATCH /me: the settings a user changes for themselves. */
export class UpdateMeDto {
  @ApiPropertyOptional({ description: 'Show NSFW files in the streams (anonymous visitors never see them)' })
  @OptionalNotNull()
  @IsBoolean()
  showNsfw?: boolean;

  @ApiPropertyOptional({ type: NotificationMailSettingsDto, description: 'Notification mail: which kinds, and whether as a daily digest' })
  @OptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => NotificationMailSettingsDto)
  notificationMail?: NotificationMailSettingsDto;
}

/** The notification mail settings as they are (GET /me). */
export class NotificationMailSettingsViewDto {
  @ApiProperty({ description: 'Mailed about new followers' }) follow!: boolean;
  @ApiProperty({ description: 'Mailed about comments on your files' }) comment!: boolean;
  @ApiProperty({ description: 'Mailed about @mentions' }) mention!: boolean;
  @ApiProperty({ description: 'One mail per UTC day instead of one per event' }) digest!: boolean;
}
