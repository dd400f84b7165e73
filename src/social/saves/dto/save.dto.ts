import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { OptionalNotNull } from '../../../common/validation/optional-not-null';
import { ANY_SHAKE_NAME } from '../../../shakes/shake-names';

export class SaveFileDto {
  @ApiPropertyOptional({ example: 'cats', description: 'A shake you may post to; your own by default' })
  @OptionalNotNull()
  @IsString()
  @Matches(ANY_SHAKE_NAME, { message: 'shake must be a shake name' })
  shake?: string;
}
