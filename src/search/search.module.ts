import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { DatabaseSearchService } from './database/database-search.service';
import { SearchEntry, SearchEntrySchema } from './database/search-entry.schema';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { SEARCH_SERVICE } from './search.service';

/** The search engine bound to SEARCH_SERVICE (the database index), for every process; SearchApiModule adds the routes. */
@Module({
  imports: [MongooseModule.forFeature([{ name: SearchEntry.name, schema: SearchEntrySchema }]), SearchIndexerModule],
  providers: [{ provide: SEARCH_SERVICE, useClass: DatabaseSearchService }],
  exports: [SEARCH_SERVICE, SearchIndexerModule],
})
export class SearchModule {}
