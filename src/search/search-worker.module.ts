import { Module } from '@nestjs/common';
import { FilesModule } from '../files/files.module';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { SearchIndexing } from './search-indexing';
import { SearchModule } from './search.module';
import { SearchProcessor } from './search.processor';
import { SearchRebuild } from './search-rebuild';
import { SearchSources } from './sources/search-sources';

/**
 * Search's queue processor and what it reads, through the features' services (files through its search port):
 * imported only where jobs run (worker and all-in-one modes).
 */
@Module({
  imports: [SearchModule, FilesModule, ShakesModule, UsersModule],
  providers: [SearchSources, SearchIndexing, SearchRebuild, SearchProcessor],
})
export class SearchWorkerModule {}
