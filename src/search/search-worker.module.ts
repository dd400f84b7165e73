import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SharedFile, SharedFileSchema } from '../files/schemas/shared-file.schema';
import { SourceFile, SourceFileSchema } from '../files/schemas/source-file.schema';
import { Shake, ShakeSchema } from '../shakes/schemas/shake.schema';
import { User, UserSchema } from '../users/schemas/user.schema';
import { SearchIndexing } from './search-indexing';
import { SearchModule } from './search.module';
import { SearchProcessor } from './search.processor';
import { SearchRebuild } from './search-rebuild';
import { SearchSources } from './sources/search-sources';

/** Search's queue processor and what it reads: imported only where jobs run (worker and all-in-one modes). */
@Module({
  imports: [
    SearchModule,
    // The same schemas (hence the same models) as the features register; search only reads them.
    MongooseModule.forFeature([
      { name: SharedFile.name, schema: SharedFileSchema },
      { name: SourceFile.name, schema: SourceFileSchema },
      { name: Shake.name, schema: ShakeSchema },
      { name: User.name, schema: UserSchema },
    ]),
  ],
  providers: [SearchSources, SearchIndexing, SearchRebuild, SearchProcessor],
})
export class SearchWorkerModule {}
