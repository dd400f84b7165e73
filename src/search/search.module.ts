import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { AdminSearchController } from './admin-search.controller';
import { DatabaseSearchService } from './database/database-search.service';
import { SearchEntry, SearchEntrySchema } from './database/search-entry.schema';
import { SearchIndexerModule } from './search-indexer.module';
import { SearchController } from './search.controller';
import { SEARCH_SERVICE } from './search.service';

/** GET /search and the admin rebuild route, over the engine bound to SEARCH_SERVICE (the database index). */
@Module({
  imports: [MongooseModule.forFeature([{ name: SearchEntry.name, schema: SearchEntrySchema }]), SearchIndexerModule],
  controllers: [SearchController, AdminSearchController],
  providers: [{ provide: SEARCH_SERVICE, useClass: DatabaseSearchService }],
  exports: [SEARCH_SERVICE, SearchIndexerModule],
})
export class SearchModule {}
