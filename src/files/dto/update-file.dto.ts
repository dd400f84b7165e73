import { ApiPropertyOptional } from '@nestjs/swagger';
import { Equals, IsOptional, IsString, MaxLength } from 'class-validator';
import { FILE_TEXT_LIMITS } from '../file-text-limits';

export class UpdateFileDto {
  @ApiPropertyOptional({ maxLength: FILE_TEXT_LIMITS.title })
  @IsOptional()
  @IsString()
  @MaxLength(FILE_TEXT_LIMITS.title)
  title?: string;

  @ApiPropertyOptional({ maxLength: FILE_TEXT_LIMITS.description })
  @IsOptional()
  @IsString()
  @MaxLength(FILE_TEXT_LIMITS.description)
  description?: string;

  @ApiPropertyOptional({ maxLength: FILE_TEXT_LIMITS.altText })
  @IsOptional()
  @IsString()
  @MaxLength(FILE_TEXT_LIMITS.altText)
  altText?: string;

  @ApiPropertyOptional({ enum: [true], description: 'One-way: a file marked NSFW stays NSFW, in every saved copy too' })
  @IsOptional()
  @Equals(true, { message: 'nsfw can only be set to true: the flag is one-way' })
  nsfw?: true;
}
