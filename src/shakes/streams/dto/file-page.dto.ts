import { ApiProperty } from '@nestjs/swagger';
import { CursorPageDto } from '../../../common/pagination/page.dto';
import { FileDto } from '../../../files/dto/file.dto';

export class FilePageDto extends CursorPageDto {
  @ApiProperty({ type: [FileDto] })
  items!: FileDto[];
}
