import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CursorPageDto } from '../../../common/pagination/page.dto';
import { FileDto } from '../../../files/dto/file.dto';

export class FilePageDto extends CursorPageDto {
  @ApiProperty({ type: [FileDto], description: 'Newest first (popular: by rank), also on a page read with `after`' })
  items!: FileDto[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      'Pass as `after` for the files right above this page (the previous page, or new ones: poll with it). Given ' +
      'whenever the page has files; an empty page hands back the cursor it was asked with; null for an empty ' +
      'list read without one.',
  })
  prev!: string | null;
}
