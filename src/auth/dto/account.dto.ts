import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import { EmailAddress, NewPassword } from './auth.dto';

/** A secret from a mailed link (the `token` in its query). */
const MailedToken = () =>
  applyDecorators(
    ApiProperty({ description: 'The token from the mailed link', example: 'mle_...' }),
    IsString(),
    MinLength(1),
    MaxLength(100),
  );

export class VerifyEmailDto {
  @MailedToken()
  token!: string;
}

export class VerifiedEmailDto {
  @ApiProperty({ description: 'The address that is now verified (after an email change: the new one)' })
  email!: string;
}

export class PasswordResetRequestDto {
  @EmailAddress('The address of the account')
  email!: string;
}

export class PasswordResetConfirmDto {
  @MailedToken()
  token!: string;

  @NewPassword()
  password!: string;
}

export class DeleteAccountDto {
  @ApiProperty({ description: 'Your current password' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;
}

export class ChangePasswordDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  currentPassword!: string;

  @NewPassword()
  newPassword!: string;
}

export class ChangeEmailDto {
  @ApiProperty({ description: 'Your password, to prove it is you' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  password!: string;

  @EmailAddress('The new address; it takes effect once verified through the link mailed to it')
  email!: string;
}

/** The same answer to every request of its kind, whatever happened (no account enumeration). */
export class AcceptedDto {
  @ApiProperty()
  message!: string;
}

export class EmailChangeDto extends AcceptedDto {
  @ApiProperty({ description: 'The address waiting for verification; your address stays as it is until then' })
  pendingEmail!: string;
}
