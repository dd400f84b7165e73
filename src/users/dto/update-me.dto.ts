import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, ValidateIf } from 'class-validator';

/** PATCH /me: the settings a user changes for themselves. */
export class UpdateMeDto {
  @ApiPropertyOptional({ description: 'Show NSFW files in the streams (anonymous visitors never see them)' })
  @ValidateIf((_, value) => value !== undefined) // null is not "leave it as it is"
  @IsBoolean()
  showNsfw?: boolean;
}
