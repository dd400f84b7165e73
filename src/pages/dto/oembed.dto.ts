import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';

/** GET /oembed: the parameters of oEmbed 1.0 (https://oembed.com/, section 2.2). */
export class OembedQueryDto {
  @ApiProperty({ description: 'The page of a file on this site: PUBLIC_URL/p/<key>', example: 'https://malted.example.com/p/Ab3dE5gH7j' })
  @IsString()
  @MaxLength(2000)
  url!: string;

  @ApiPropertyOptional({ description: '`json` (the default); any other format is a 501', example: 'json' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(20)
  format?: string;

  @ApiPropertyOptional({ description: 'The widest the photo may be, in pixels' })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxwidth?: number;

  @ApiPropertyOptional({ description: 'The tallest the photo may be, in pixels' })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxheight?: number;
}

/** An oEmbed 1.0 answer: a `photo`, or a `link` (without any image) for an NSFW file. */
export class OembedDto {
  @ApiProperty({ enum: ['photo', 'link'] }) type!: 'photo' | 'link';
  @ApiProperty({ example: '1.0' }) version!: '1.0';
  @ApiProperty() title!: string;
  @ApiProperty({ description: "The owner's username" }) author_name!: string;
  @ApiProperty({ description: "The owner's shake page" }) author_url!: string;
  @ApiProperty() provider_name!: string;
  @ApiProperty() provider_url!: string;
  @ApiProperty({ description: 'Seconds the answer may be kept' }) cache_age!: number;
  @ApiPropertyOptional({ description: 'photo: the image (absolute), within maxwidth and maxheight' }) url?: string;
  @ApiPropertyOptional({ description: 'photo: its width in pixels' }) width?: number;
  @ApiPropertyOptional({ description: 'photo: its height in pixels' }) height?: number;
  @ApiPropertyOptional({ description: 'The 200x200 thumbnail, when it is made and fits maxwidth and maxheight' }) thumbnail_url?: string;
  @ApiPropertyOptional() thumbnail_width?: number;
  @ApiPropertyOptional() thumbnail_height?: number;
}
