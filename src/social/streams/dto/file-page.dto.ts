import { ApiProperty } from '@nestjs/swagger';
import { TwoWayPageDto } from '../../../common/pagination/page.dto';
import { FileDto } from '../../../files/dto/file.dto';

export class FilePageDto extends TwoWayPageDto {
  @ApiProperty({ type: [FileDto], description: 'Newest first (popular: by rank), also on a page read with `after`' })
  items!: FileDto[];
}
