import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { IsNotReservedName } from '../../shakes/reserved-names';
import { MeDto } from '../../users/dto/user.dto';
import { IsNotCommonPassword } from '../common-passwords';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** The rules of every new password: registration, reset and change alike. */
export const NewPassword = (description = '10-200 characters, not among common leaked passwords') =>
  applyDecorators(
    ApiProperty({ minLength: 10, maxLength: 200, description }),
    IsString(),
    MinLength(10),
    MaxLength(200),
    IsNotCommonPassword(),
  );

/** An email address as every DTO takes it: trimmed, then checked. */
export const EmailAddress = (description?: string) =>
  applyDecorators(
    ApiProperty({ example: 'alice@example.com', description }),
    Transform(trim),
    IsEmail({}, { message: 'email must be an email address' }),
    MaxLength(254),
  );

export class RegisterDto {
  @ApiProperty({ example: 'alice', description: '3-30 letters, digits, _ or -; unique without regard to case' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{3,30}$/, { message: 'username must be 3-30 letters, digits, _ or -' })
  @IsNotReservedName()
  username!: string;

  @EmailAddress()
  email!: string;

  @NewPassword()
  password!: string;

  @ApiPropertyOptional({ description: 'An invite code; needed when the site registers by invite only (GET /api/v1/site)' })
  @OptionalNotNull()
  @IsString()
  @MaxLength(100)
  invite?: string;
}

export class LoginDto {
  @ApiProperty({ description: 'Username or email', example: 'alice' })
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  login!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;

  @ApiPropertyOptional({ description: 'A name for the new token, e.g. the device', example: 'laptop' })
  @OptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  tokenName?: string;
}

export class SessionDto {
  @ApiProperty({ type: MeDto })
  user!: MeDto;

  @ApiProperty({ description: 'Bearer token; shown only now', example: 'mlt_...' })
  token!: string;
}
