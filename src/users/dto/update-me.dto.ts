import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

/** PATCH /me: the settings a user changes for themselves. */
export class UpdateMeDto {
  @ApiPropertyOptional({ description: 'Show NSFW files in the streams (anonymous visitors never see them)' })
  @OptionalNotNull()
  @IsBoolean()
  showNsfw?: boolean;
}
