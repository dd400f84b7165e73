import { ApiProperty } from '@nestjs/swagger';
import type { ShareXConfig } from '../upload-clients';

class ShareXHeadersDto {
  @ApiProperty({ example: 'Bearer mlt_...', description: 'An upload-only (files:write) token made for this file' })
  Authorization!: string;
}

/** A ShareX custom uploader (.sxcu); see https://getsharex.com/docs/custom-uploader. */
export class ShareXConfigDto implements ShareXConfig {
  @ApiProperty({ example: '15.0.0' }) Version!: string;
  @ApiProperty({ example: 'Malted (malted.example.com)' }) Name!: string;
  @ApiProperty({ enum: ['ImageUploader'] }) DestinationType!: 'ImageUploader';
  @ApiProperty({ enum: ['POST'] }) RequestMethod!: 'POST';
  @ApiProperty({ example: 'https://malted.example.com/api/v1/files' }) RequestURL!: string;
  @ApiProperty({ type: ShareXHeadersDto }) Headers!: ShareXHeadersDto;
  @ApiProperty({ enum: ['MultipartFormData'] }) Body!: 'MultipartFormData';
  @ApiProperty({ enum: ['file'] }) FileFormName!: 'file';
  @ApiProperty({ example: 'https://malted.example.com{json:urls.short.raw}', description: 'The link ShareX copies' })
  URL!: string;
  @ApiProperty({ example: 'https://malted.example.com{json:urls.short.thumbnail}' }) ThumbnailURL!: string;
  @ApiProperty({ example: '{json:message}' }) ErrorMessage!: string;
}
