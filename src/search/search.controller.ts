import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentUser, Public } from '../common/auth/auth.decorators';
import type { AuthUser } from '../common/auth/auth-user';
import { SEARCH_HIT_MODELS, SearchPageDto } from './dto/search-page.dto';
import { SEARCH_MAX_LIMIT, SearchQueryDto } from './dto/search-query.dto';
import { RANKING_DESCRIPTION } from './ranking';
import { SEARCH_SERVICE, type SearchService } from './search.service';
import { searchVisibilityFor } from './visibility';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import { CacheScope, STREAM_TTL_SECONDS } from '../common/cache/cache-scope';

@ApiTags('search')
@ApiExtraModels(...SEARCH_HIT_MODELS)
@Controller('search')
export class SearchController {
  constructor(@Inject(SEARCH_SERVICE) private readonly search: SearchService) {}

  @Get()
  @Public()
  // A caller who opted in sees NSFW files: only callers who did not share the anonymous entries.
  @CachedResponse({ ttlSeconds: STREAM_TTL_SECONDS, scopes: () => [CacheScope.stream('search')], sameUnlessNsfwShown: true })
  @ApiOperation({
    summary: 'Search files, shakes or users',
    description:
      `${RANKING_DESCRIPTION} Only originals are searched unless originals=false; deleted files never appear, NSFW files only to ` +
      'signed-in callers who opted in (PATCH /me {showNsfw: true}), marked nsfw: true. ' +
      `Pages hold up to limit results (at most ${SEARCH_MAX_LIMIT}); pass next as cursor for the following page. ` +
      'The index is updated by background jobs, usually within a second of a change.',
  })
  @ApiOkResponse({ type: SearchPageDto })
  @ApiBadRequestResponse({
    description: 'An empty, 1-character, over-200-character or over-10-word q; a bad filter, cursor, type or limit',
  })
  @ApiServiceUnavailableResponse({
    description: 'The search needed more database time than SEARCH_TIMEOUT_MS allows: try more specific words',
  })
  find(@Query() query: SearchQueryDto, @CurrentUser() viewer?: AuthUser): Promise<SearchPageDto> {
    return this.search.search({
      type: query.type,
      q: query.q,
      cursor: query.cursor,
      limit: query.limit,
      originalsOnly: query.originals,
      visibility: searchVisibilityFor(viewer),
    }) as Promise<SearchPageDto>;
  }
}
