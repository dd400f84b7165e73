import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type { AccessToken } from '../schemas/access-token.schema';

export class CreateTokenDto {
  @ApiProperty({ example: 'backup script' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;
}

/** A token as listed: never the secret. */
export class TokenDto {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty()
  createdAt!: string;

  @ApiPropertyOptional({ nullable: true, type: String })
  lastUsedAt!: string | null;

  static from(token: AccessToken & { _id: { toString(): string } }): TokenDto {
    return {
      id: token._id.toString(),
      name: token.name,
      createdAt: token.createdAt.toISOString(),
      lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    };
  }
}

export class CreatedTokenDto extends TokenDto {
  @ApiProperty({ description: 'The bearer secret; shown only now', example: 'mlt_...' })
  token!: string;
}
