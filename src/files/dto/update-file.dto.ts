import { ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsOptional, IsString, MaxLength } from 'class-validator';
import { UPLOAD_FIELD_MAX_LENGTHS as LIMITS } from '../upload/upload-fields';

export class UpdateFileDto {
  @ApiPropertyOptional({ maxLength: LIMITS.title })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.title)
  title?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.description })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.description)
  description?: string;

  @ApiPropertyOptional({ maxLength: LIMITS.altText })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.altText)
  altText?: string;

  @ApiPropertyOptional({ enum: [true], description: 'One-way: a file marked NSFW stays NSFW, in every saved copy too' })
  @IsOptional()
  @Equals(true, { message: 'nsfw can only be set to true: the flag is one-way' })
  nsfw?: true;
}
