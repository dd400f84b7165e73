import { ApiPropertyOptional } from '@nestjs/swagger';

/** The part every cursor page shares; subclasses add `items`. */
export class CursorPageDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `before` for the next page; null on the last page',
  })
  next!: string | null;
}
