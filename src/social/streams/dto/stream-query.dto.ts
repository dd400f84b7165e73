import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { NotWith } from '../../../common/pagination/not-with';
import { PAGE_LIMIT_MAX, PageQueryDto } from '../../../common/pagination/page-query.dto';

/** Files per page of a stream by default, as in MLKSHK. */
export const STREAM_LIMIT_DEFAULT = 10;

/**
 * ?before=|after=&limit= for the file streams (timeline, incoming, popular, magic, tags, likes, a shake's
 * files): the same cursor and cap as every list, with MLKSHK's page size, and a cursor in each direction.
 */
export class StreamQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description:
      'Cursor: the `prev` value of a page. Answers the files right above that page (newer; still newest first): the ' +
      'previous page, or what arrived since. Not together with `before` (400).',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @NotWith('before')
  after?: string;

  @ApiPropertyOptional({
    default: STREAM_LIMIT_DEFAULT,
    minimum: 1,
    maximum: PAGE_LIMIT_MAX,
    description: `Files per page; above ${PAGE_LIMIT_MAX} is a 400 (not silently clamped)`,
  })
  override limit: number = STREAM_LIMIT_DEFAULT;
}
