import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { OptionalNotNull } from '../../common/validation/optional-not-null';
import type { InviteDocument } from '../schemas/invite.schema';

export class CreateInviteDto {
  @ApiPropertyOptional({ description: 'How many accounts may register with it', default: 1, minimum: 1, maximum: 1000 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(1000)
  uses?: number;

  @ApiPropertyOptional({ description: 'Days until it stops working', default: 7, minimum: 1, maximum: 365 })
  @OptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(365)
  expiresInDays?: number;
}

/** An invite as listed: never the code. */
export class InviteDto {
  @ApiProperty()
  id!: string;

  @ApiProperty({ description: 'How many registrations it allows in all' })
  uses!: number;

  @ApiProperty({ description: 'How many of them happened' })
  used!: number;

  @ApiProperty()
  expiresAt!: string;

  @ApiProperty({ enum: ['active', 'used-up', 'expired'] })
  state!: 'active' | 'used-up' | 'expired';

  @ApiProperty()
  createdAt!: string;

  static from(invite: InviteDocument, now = new Date()): InviteDto {
    return {
      id: invite._id.toString(),
      uses: invite.maxUses,
      used: invite.uses,
      expiresAt: invite.expiresAt.toISOString(),
      state: invite.uses >= invite.maxUses ? 'used-up' : invite.expiresAt <= now ? 'expired' : 'active',
      createdAt: invite.createdAt.toISOString(),
    };
  }
}

export class CreatedInviteDto extends InviteDto {
  @ApiProperty({ description: 'The code to pass on (register with `invite`); shown only now', example: 'inv_...' })
  code!: string;
}
