import { ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsString, MaxLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { UPLOAD_FIELD_MAX_LENGTHS as LIMITS } from '../upload/upload-fields';

export class UpdateFileDto {
  @ApiPropertyOptional({ maxLength: LIMITS.title })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.title)
  title?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.description })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.description)
  description?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.altText })
  @OptionalNotNull()
  @IsString()
  @MaxLength(LIMITS.altText)
  altText?: string;

  @ApiPropertyOptional({ enum: [true], description: 'One-way: a file marked NSFW stays NSFW, in every saved copy too' })
  @OptionalNotNull()
  @Equals(true, { message: 'nsfw can only be set to true: the flag is one-way' })
  nsfw?: true;
}
