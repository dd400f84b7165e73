import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { FILE_VIEWER_DESCRIPTION, FileUrlsDto, FileViewerDto } from '../../files/dto/file.dto';
import { SHAKE_VIEWER_DESCRIPTION, ShakeViewerDto } from '../../shakes/dto/shake.dto';
import { SEARCH_TYPES, type SearchType } from '../search-kinds';

class HitOwnerDto {
  @ApiProperty({ example: 'alice' }) username!: string;
}

/** A post found by search, as of its last indexing (GET /files/:key has the live counters). */
export class FileHitDto {
  @ApiProperty({ example: 'Ab3dE5gH7j', description: 'The share key' }) key!: string;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty() altText!: string;
  @ApiProperty({ type: [String], description: 'From #words in the description, lower-cased' }) tags!: string[];
  @ApiProperty({ type: HitOwnerDto }) owner!: HitOwnerDto;
  @ApiProperty({ example: 'alice' }) shake!: string;
  @ApiProperty({ example: 'image/png' }) contentType!: string;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty() frames!: number;
  @ApiProperty() likes!: number;
  @ApiProperty({ description: 'Only callers who opted in to NSFW files (PATCH /me) ever get a true here' }) nsfw!: boolean;
  @ApiProperty({ type: FileUrlsDto }) urls!: FileUrlsDto;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: FileViewerDto, description: FILE_VIEWER_DESCRIPTION }) viewer?: FileViewerDto;
}

export class ShakeHitDto {
  @ApiProperty({ example: 'alice' }) name!: string;
  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ enum: ['user', 'group'] }) type!: string;
  @ApiProperty({ type: HitOwnerDto }) owner!: HitOwnerDto;
  @ApiProperty() followers!: number;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: ShakeViewerDto, description: SHAKE_VIEWER_DESCRIPTION }) viewer?: ShakeViewerDto;
}

export class UserHitDto {
  @ApiProperty({ example: 'alice' }) username!: string;
  @ApiProperty({ example: 'alice', description: "The user's own shake" }) shake!: string;
  @ApiProperty() createdAt!: string;
}

export const SEARCH_HIT_MODELS = [FileHitDto, ShakeHitDto, UserHitDto];

export class SearchPageDto {
  @ApiProperty({ enum: SEARCH_TYPES }) type!: SearchType;

  @ApiProperty({
    type: 'array',
    items: { oneOf: SEARCH_HIT_MODELS.map((model) => ({ $ref: getSchemaPath(model) })) },
    description: 'FileHit for type=files, ShakeHit for shakes, UserHit for users; best first',
  })
  items!: (FileHitDto | ShakeHitDto | UserHitDto)[];

  @ApiPropertyOptional({ description: 'Pass as cursor for the next page; absent on the last page' })
  next?: string;
}

export class RebuildAcceptedDto {
  @ApiProperty({ example: 'search-rebuild' }) jobId!: string;
  @ApiProperty({ description: 'False when a rebuild was already waiting or running (that one will do)' }) queued!: boolean;
}
