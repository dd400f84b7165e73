import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { OptionalNotNull } from '../validation/optional-not-null';
import { NotWith } from './not-with';

export const PAGE_LIMIT_DEFAULT = 20;
export const PAGE_LIMIT_MAX = 100;

/**
 * ?before=|after=&limit= for every newest-first list (the streams, followers, following, notifications): a
 * cursor in each direction, read by seekIn and answered with next/prev by keysetPage (./seek.ts).
 */
export class PageQueryDto {
  @ApiPropertyOptional({
    description: 'Cursor: the `next` value of a page, for the items below it (older). Opaque; a value this list did not hand out is a 400.',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(200)
  before?: string;

  @ApiPropertyOptional({
    description:
      'Cursor: the `prev` value of a page. Answers the items right above that page (newer; still newest first): the ' +
      'previous page, or what arrived since. Not together with `before` (400).',
  })
  @OptionalNotNull()
  @IsString()
  @MaxLength(200)
  @NotWith('before')
  after?: string;

  @ApiPropertyOptional({
    default: PAGE_LIMIT_DEFAULT,
    minimum: 1,
    maximum: PAGE_LIMIT_MAX,
    description: `Items per page; above ${PAGE_LIMIT_MAX} is a 400 (not silently clamped)`,
  })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(PAGE_LIMIT_MAX)
  limit: number = PAGE_LIMIT_DEFAULT;
}
