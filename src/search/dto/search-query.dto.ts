import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { QUERY_MAX_LENGTH, QUERY_MAX_WORDS, QUERY_MIN_LENGTH } from '../query/search-query';
import { SEARCH_TYPES, type SearchType } from '../search-kinds';

/** The most results one page may hold; more is a 400, not a silent cut. */
export const SEARCH_MAX_LIMIT = 50;
export const SEARCH_DEFAULT_LIMIT = 20;

const toBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class SearchQueryDto {
  @ApiProperty({
    description:
      `The words to search for (${QUERY_MIN_LENGTH}-${QUERY_MAX_LENGTH} characters, at most ${QUERY_MAX_WORDS} words and filters). ` +
      'Every word must match a whole word; the last may match the start of one. Case, accents and punctuation do not matter. ' +
      'Filters: from:<username> (files and shakes of that owner), in:<shake> (files in that shake).',
    example: 'sunset from:alice',
  })
  @IsString({ message: 'q is required: the words to search for' })
  q!: string;

  @ApiPropertyOptional({ enum: SEARCH_TYPES, default: 'files' })
  @OptionalNotNull()
  @IsIn(SEARCH_TYPES, { message: `type must be one of ${SEARCH_TYPES.join(', ')}` })
  type: SearchType = 'files';

  @ApiPropertyOptional({ description: 'The `next` value of the previous page (opaque)' })
  @OptionalNotNull()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ default: SEARCH_DEFAULT_LIMIT, minimum: 1, maximum: SEARCH_MAX_LIMIT })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(SEARCH_MAX_LIMIT)
  limit = SEARCH_DEFAULT_LIMIT;

  @ApiPropertyOptional({ default: true, description: 'Files: only originals; false includes saved copies too' })
  @OptionalNotNull()
  @Transform(toBoolean)
  @IsBoolean({ message: 'originals must be true or false' })
  originals = true;
}
