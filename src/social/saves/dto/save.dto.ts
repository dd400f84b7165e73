import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ANY_SHAKE_NAME } from '../../../shakes/shake-names';

export class SaveFileDto {
  @ApiPropertyOptional({ example: 'cats', description: 'A shake you may post to; your own by default' })
  @IsOptional()
  @IsString()
  @Matches(ANY_SHAKE_NAME, { message: 'shake must be a shake name' })
  shake?: string;
}
