import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { CACHED_RESPONSE, type CachedResponseOptions } from './cached-response.options';
import { ResponseCacheInterceptor } from './response-cache.interceptor';

/**
 * Serves a public GET route from the shared response cache (docs/caching.md). Routes without it are never
 * cached. Only 200 responses are stored; errors never are.
 */
export function CachedResponse(options: CachedResponseOptions): MethodDecorator {
  return applyDecorators(
    SetMetadata(CACHED_RESPONSE, options),
    UseInterceptors(ResponseCacheInterceptor),
    ApiResponse({
      status: 304,
      description: 'Not modified (If-None-Match matched the ETag)',
      headers: { 'X-Cache': { description: 'HIT, MISS or BYPASS: how the response cache answered', schema: { type: 'string' } } },
    }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag from an earlier response' }),
  );
}
