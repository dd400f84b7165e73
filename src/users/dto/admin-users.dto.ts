import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsEnum, IsInt, IsMongoId, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { Role } from '../../common/auth/role';
import { AdminUserDto } from './user.dto';

export class ListUsersQueryDto {
  @ApiPropertyOptional({ description: 'Cursor: the `next` value of the previous page' })
  @OptionalNotNull()
  @IsMongoId()
  after?: string;

  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @OptionalNotNull()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit = 50;
}

export class UpdateUserDto {
  @ApiPropertyOptional({
    description:
      'Disabling revokes every token of the user for good and hides their posts; enabling shows the posts again (not the tokens)',
  })
  @OptionalNotNull()
  @IsBoolean()
  disabled?: boolean;

  @ApiPropertyOptional({ enum: Role })
  @OptionalNotNull()
  @IsEnum(Role)
  role?: Role;
}

export class UserPageDto {
  items!: AdminUserDto[];

  @ApiPropertyOptional({ description: 'Pass as `after` for the next page; absent on the last page' })
  next?: string;
}
