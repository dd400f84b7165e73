import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { SharedFile } from '../schemas/shared-file.schema';
import type { SourceFile } from '../schemas/source-file.schema';
import { SHORT_MEDIA_PATHS } from '../delivery/short-media-paths';

export class FileCountsDto {
  @ApiProperty() likes!: number;
  @ApiProperty() saves!: number;
  @ApiProperty() views!: number;
  @ApiProperty() comments!: number;
}

export class ShortFileUrlsDto {
  @ApiProperty({ example: '/r/Ab3dE5gH7j', description: 'The bytes, as /api/v1/files/:key/raw' }) raw!: string;
  @ApiProperty({ example: '/t/Ab3dE5gH7j', description: 'The 200x200 thumbnail, as /api/v1/files/:key/thumbnail' }) thumbnail!: string;
  @ApiProperty({ example: '/s/Ab3dE5gH7j', description: 'The 550-wide small version, as /api/v1/files/:key/small' }) small!: string;
}

export class FileUrlsDto {
  @ApiProperty({ example: '/api/v1/files/Ab3dE5gH7j/raw' }) raw!: string;
  @ApiProperty({ example: '/api/v1/files/Ab3dE5gH7j/thumbnail' }) thumbnail!: string;
  @ApiProperty({ example: '/api/v1/files/Ab3dE5gH7j/small', description: 'A 550-wide WebP for display' }) small!: string;
  @ApiProperty({ type: ShortFileUrlsDto, description: 'The same, at short public paths outside /api/v1' }) short!: ShortFileUrlsDto;
}

/** Where a post is described: GET /api/v1/files/:key (the Location of a new post). */
export const fileUrlOf = (key: string): string => `/api/v1/files/${key}`;

/** Where a post's media are served: the API routes and the short public paths (see SHORT_MEDIA_PATHS). */
export function fileUrlsOf(key: string): FileUrlsDto {
  const base = fileUrlOf(key);
  return {
    raw: `${base}/raw`,
    thumbnail: `${base}/thumbnail`,
    small: `${base}/small`,
    short: {
      raw: `/${SHORT_MEDIA_PATHS.raw}/${key}`,
      thumbnail: `/${SHORT_MEDIA_PATHS.thumbnail}/${key}`,
      small: `/${SHORT_MEDIA_PATHS.small}/${key}`,
    },
  };
}

export class FileOwnerDto {
  @ApiProperty({ example: 'alice' }) username!: string;
}

/** What the signed-in caller did to a post; added per request after the response cache (docs/caching.md). */
export class FileViewerDto {
  @ApiProperty({ description: 'You like this post' }) liked!: boolean;
  @ApiProperty({ description: 'You have a live save of this post, or of the original it was saved from' }) saved!: boolean;
}

export const FILE_VIEWER_DESCRIPTION = 'Signed-in callers only (absent for anonymous ones): what you did to this post';

/** A post as everyone sees it (plus `viewer`, for the caller). */
export class FileDto {
  @ApiProperty({ example: 'Ab3dE5gH7j', description: 'The share key' })
  key!: string;

  @ApiProperty() title!: string;
  @ApiProperty() description!: string;
  @ApiProperty() altText!: string;
  @ApiProperty({ type: FileOwnerDto }) owner!: FileOwnerDto;
  @ApiProperty({ example: 'alice', description: 'The shake it was posted to' }) shake!: string;
  @ApiProperty({ example: 'image/png' }) contentType!: string;
  @ApiProperty() size!: number;
  @ApiProperty() width!: number;
  @ApiProperty() height!: number;
  @ApiProperty({ description: 'More than 1 for animated images' }) frames!: number;
  @ApiProperty() nsfw!: boolean;
  @ApiProperty({ type: FileCountsDto }) counts!: FileCountsDto;
  @ApiProperty({ type: FileUrlsDto }) urls!: FileUrlsDto;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Share key of the post this was saved from' })
  savedFrom!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiPropertyOptional({ type: FileViewerDto, description: FILE_VIEWER_DESCRIPTION }) viewer?: FileViewerDto;

  static from(
    file: SharedFile,
    source: SourceFile,
    owner: { username: string },
    shake: { name: string },
    savedFrom: string | null = null,
    views = file.counts.views,
  ): FileDto {
    return {
      key: file.key,
      title: file.title,
      description: file.description,
      altText: file.altText,
      owner: { username: owner.username },
      shake: shake.name,
      contentType: source.contentType,
      size: source.size,
      width: source.width,
      height: source.height,
      frames: source.frames,
      nsfw: source.nsfw,
      counts: {
        likes: file.counts.likes,
        saves: file.counts.saves,
        views,
        comments: file.counts.comments,
      },
      urls: fileUrlsOf(file.key),
      savedFrom,
      createdAt: file.createdAt.toISOString(),
    };
  }
}
