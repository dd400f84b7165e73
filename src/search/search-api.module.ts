import { Module } from '@nestjs/common';
import { AdminSearchController } from './admin-search.controller';
import { SearchController } from './search.controller';
import { SearchModule } from './search.module';

/** GET /search and the admin rebuild route; only where the API is served. */
@Module({
  imports: [SearchModule],
  controllers: [SearchController, AdminSearchController],
})
export class SearchApiModule {}
