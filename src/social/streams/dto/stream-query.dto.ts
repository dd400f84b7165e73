import { ApiPropertyOptional } from '@nestjs/swagger';
import { PAGE_LIMIT_MAX, PageQueryDto } from '../../../common/pagination/page-query.dto';

/** Files per page of a stream by default, as in MLKSHK. */
export const STREAM_LIMIT_DEFAULT = 10;

/**
 * ?before=|after=&limit= for the file streams (timeline, incoming, popular, magic, tags, likes, a shake's
 * files): the same cursors and cap as every list, with MLKSHK's page size.
 */
export class StreamQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    default: STREAM_LIMIT_DEFAULT,
    minimum: 1,
    maximum: PAGE_LIMIT_MAX,
    description: `Files per page; above ${PAGE_LIMIT_MAX} is a 400 (not silently clamped)`,
  })
  override limit: number = STREAM_LIMIT_DEFAULT;
}
