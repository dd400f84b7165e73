import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { IsNotReservedName } from '../reserved-names';
import { GROUP_SHAKE_NAME } from '../shake-names';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export const SHAKE_TITLE_MAX = 100;
export const SHAKE_DESCRIPTION_MAX = 1000;

export class CreateShakeDto {
  @ApiProperty({
    example: 'cats',
    description: '1-25 letters, digits, _ or -; unique without regard to case among usernames and shakes; not reserved',
  })
  @IsString()
  @Matches(GROUP_SHAKE_NAME, { message: 'name must be 1-25 letters, digits, _ or -' })
  @IsNotReservedName()
  name!: string;

  @ApiProperty({ example: 'Cats of Malted', maxLength: SHAKE_TITLE_MAX })
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'title must not be empty' })
  @MaxLength(SHAKE_TITLE_MAX)
  title!: string;

  @ApiPropertyOptional({ example: 'Only cats.', maxLength: SHAKE_DESCRIPTION_MAX })
  @OptionalNotNull()
  @IsString()
  @MaxLength(SHAKE_DESCRIPTION_MAX)
  description?: string;
}

export class UpdateShakeDto {
  @ApiPropertyOptional({ maxLength: SHAKE_TITLE_MAX })
  @OptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1, { message: 'title must not be empty' })
  @MaxLength(SHAKE_TITLE_MAX)
  title?: string;

  @ApiPropertyOptional({ maxLength: SHAKE_DESCRIPTION_MAX })
  @OptionalNotNull()
  @IsString()
  @MaxLength(SHAKE_DESCRIPTION_MAX)
  description?: string;
}
