import { ApiProperty } from '@nestjs/swagger';
import { REGISTRATION_MODES, type RegistrationMode, VERIFIED_ACTIONS, type VerifiedAction } from '../../config/environment';
import { ACCEPTED_IMAGE_TYPES } from '../../files/images/image-types';

export class UploadLimitsDto {
  @ApiProperty({ description: 'Largest upload in bytes; larger ones get 413', example: 31457280 })
  maxBytes!: number;

  @ApiProperty({ description: 'Largest image in pixels (width x height, all frames together); larger ones get 413', example: 100000000 })
  maxPixels!: number;

  @ApiProperty({ description: 'Image types accepted, decided from the content', enum: ACCEPTED_IMAGE_TYPES, isArray: true })
  formats!: string[];

  @ApiProperty({
    description: 'Longest title, description and alt text, in characters',
    example: { title: 250, description: 10000, altText: 2000 },
  })
  fieldMaxLengths!: { title: number; description: number; altText: number };

  @ApiProperty({ description: 'Bytes one user may upload per calendar month (UTC); 0: no limit (admins have none)', example: 0 })
  quotaBytesPerMonth!: number;
}

export class EmailVerificationDto {
  @ApiProperty({ description: 'New accounts (and new addresses) are mailed a link to verify' })
  enabled!: boolean;

  @ApiProperty({ description: 'What an account may not do until its address is verified', enum: VERIFIED_ACTIONS, isArray: true })
  requiredFor!: VerifiedAction[];
}

/** What a client needs to know about the site before it signs anyone up or uploads anything. */
export class SiteDto {
  @ApiProperty({ example: 'Malted' })
  name!: string;

  @ApiProperty({ description: 'The origin of the site (PUBLIC_URL)', example: 'https://malted.example.com' })
  url!: string;

  @ApiProperty({
    enum: REGISTRATION_MODES,
    description: 'open: anyone may register; invite: with an invite code (`invite`); closed: nobody',
  })
  registration!: RegistrationMode;

  @ApiProperty({ type: EmailVerificationDto })
  emailVerification!: EmailVerificationDto;

  @ApiProperty({ description: 'Forgotten passwords can be reset by mail (POST /api/v1/auth/password-reset)' })
  passwordReset!: boolean;

  @ApiProperty({ type: UploadLimitsDto })
  uploads!: UploadLimitsDto;

  @ApiProperty({ description: 'Group shakes one user may own; 0: group shakes are off' })
  groupShakesPerUser!: number;
}
