import { applyDecorators } from '@nestjs/common';
import { ApiAcceptedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../../common/auth/auth.decorators';
import type { MediaKind } from './media-entry';

const SUMMARIES: Record<MediaKind, string> = {
  raw: 'The image bytes (ETag, If-None-Match → 304, one Range → 206, HEAD)',
  thumbnail: 'A 200x200 WebP thumbnail (202 with Retry-After while it is being made)',
  small: 'A 550-wide WebP for display (202 with Retry-After while it is being made)',
};

/**
 * A public media route. No cluster-wide rate limit: the bytes are public and immutable (a CDN may cache them for
 * a year), a hit costs no database or Redis work, and counting it in Redis would cost more than serving it;
 * flooding is the ingress's or the CDN's to stop. The API routes keep their limits.
 */
export const MediaRoute = (kind: MediaKind) =>
  applyDecorators(
    Public(),
    SkipThrottle(),
    ApiOperation({ summary: SUMMARIES[kind] }),
    ApiParam({ name: 'key', description: 'The share key', example: 'Ab3dE5gH7j' }),
    ApiProduces(kind === 'raw' ? 'image/*' : 'image/webp'),
    ApiOkResponse({
      description: 'The bytes',
      content: { [kind === 'raw' ? 'image/*' : 'image/webp']: { schema: { type: 'string', format: 'binary' } } },
    }),
    ...(kind === 'raw'
      ? []
      : [
          ApiAcceptedResponse({
            description: 'Still being made: ask again after Retry-After seconds',
            schema: {
              type: 'object',
              required: ['statusCode', 'message'],
              properties: { statusCode: { type: 'integer', enum: [202] }, message: { type: 'string' } },
            },
          }),
        ]),
    ApiNotFoundResponse({ description: 'No such file, or it was deleted' }),
  );
