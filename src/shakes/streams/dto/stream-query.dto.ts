import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PAGE_LIMIT_MAX } from '../../../common/pagination/page-query.dto';

/** Files per page of a stream by default, as in MLKSHK. */
export const STREAM_LIMIT_DEFAULT = 10;

/** ?before=&limit= for the file streams (timeline, incoming, popular, magic, tags, likes, a shake's files). */
export class StreamQueryDto {
  @ApiPropertyOptional({
    description: 'Cursor: the `next` value of the previous page. Opaque; a value this list did not hand out is a 400.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  before?: string;

  @ApiPropertyOptional({
    default: STREAM_LIMIT_DEFAULT,
    minimum: 1,
    maximum: PAGE_LIMIT_MAX,
    description: `Files per page; above ${PAGE_LIMIT_MAX} is a 400 (not silently clamped)`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_LIMIT_MAX)
  limit: number = STREAM_LIMIT_DEFAULT;
}
