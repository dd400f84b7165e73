import { Module } from '@nestjs/common';
import { SearchIndexer } from './search-indexer';

/**
 * Only the producer of search jobs (the search queue is registered globally by JobsModule), so that any
 * feature can import it without depending on search's storage or on the features search reads.
 */
@Module({
  providers: [SearchIndexer],
  exports: [SearchIndexer],
})
export class SearchIndexerModule {}
