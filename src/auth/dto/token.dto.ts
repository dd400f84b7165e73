import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import { TOKEN_SCOPES, TOKEN_SCOPE_TEXT, type TokenScope } from '../../common/auth/token-scope';
import type { AccessToken } from '../schemas/access-token.schema';

const SCOPES_DESCRIPTION = `What the token may do: ${TOKEN_SCOPES.map((scope) => `\`${scope}\` (${TOKEN_SCOPE_TEXT[scope]})`).join(', ')}`;

export class CreateTokenDto {
  @ApiProperty({ example: 'backup script' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional({ enum: TOKEN_SCOPES, isArray: true, default: ['full'], description: SCOPES_DESCRIPTION })
  @OptionalNotNull()
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(TOKEN_SCOPES.length)
  @ArrayUnique()
  @IsIn(TOKEN_SCOPES, { each: true })
  scopes?: TokenScope[];
}

/** A token as listed: never the secret. */
export class TokenDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ enum: TOKEN_SCOPES, isArray: true, description: SCOPES_DESCRIPTION })
  scopes!: TokenScope[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ nullable: true, type: String, format: 'date-time' })
  lastUsedAt!: string | null;

  static from(token: AccessToken & { _id: { toString(): string } }): TokenDto {
    return {
      id: token._id.toString(),
      name: token.name,
      scopes: [...token.scopes],
      createdAt: token.createdAt.toISOString(),
      lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The bearer secret; shown only now', example: 'mlt_...' })
  token!: string;
}
