import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/auth/auth.decorators';
import { RebuildAcceptedDto } from './dto/search-page.dto';
import { SearchIndexer } from '../jobs/search-indexer';

@ApiTags('admin')
@Controller('admin/search')
@AdminOnly()
export class AdminSearchController {
  constructor(private readonly indexer: SearchIndexer) {}

  @Post('rebuild')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Rebuild the search index from the source collections',
    description:
      'Queues a rebuild job (one at a time) and answers at once; progress appears in the worker log and the queue dashboard. Search keeps working meanwhile.',
  })
  @ApiAcceptedResponse({ type: RebuildAcceptedDto })
  rebuild(): Promise<RebuildAcceptedDto> {
    return this.indexer.requestRebuild();
  }
}
