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

/** A page of a newest-first list read with seekIn: `next` goes older, `prev` newer (see pageCursors). */
export class TwoWayPageDto extends CursorPageDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Pass as `after` for the items right above this page (the previous page, or new ones: poll with it). Given ' +
      'whenever the page has items; an empty page hands back the cursor it was asked with; null for an empty ' +
      'list read without one.',
  })
  prev!: string | null;
}
