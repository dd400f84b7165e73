import { Controller, Get, Header, Query, VERSION_NEUTRAL } from '@nestjs/common';
import { ApiNotFoundResponse, ApiNotImplementedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { NotImplementedError } from '../common/errors/domain-errors';
import { OembedDto, OembedQueryDto } from './dto/oembed.dto';
import { OembedService } from './oembed.service';
import { PAGE_PATHS } from './page-routes';

/**
 * GET /oembed?url=<file page>&format=json, found from the `<link rel="alternate" type="application/json+oembed">`
 * of every file page. The answer is `application/json` (oEmbed 1.0, section 2.3.4); it is not in the response
 * cache (its subject is a query parameter) but costs a few indexed reads, and consumers keep it (cache_age).
 */
@ApiTags('oembed')
@Public()
@Controller({ path: PAGE_PATHS.oembed, version: VERSION_NEUTRAL })
export class OembedController {
  constructor(private readonly oembed: OembedService) {}

  @Get()
  @Header('Cache-Control', 'public, max-age=0, must-revalidate')
  @ApiOperation({ summary: 'oEmbed 1.0 for a file page: a photo (or, for an NSFW file, a link without image)' })
  @ApiOkResponse({ type: OembedDto })
  @ApiNotFoundResponse({ description: 'Not the page of a visible file of this site' })
  @ApiNotImplementedResponse({ description: 'A format other than json' })
  describe(@Query() query: OembedQueryDto): Promise<OembedDto> {
    if ((query.format ?? 'json') !== 'json') throw new NotImplementedError('Only format=json is served');
    return this.oembed.describe(query.url, { maxwidth: query.maxwidth, maxheight: query.maxheight });
  }
}
