import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { FollowsService } from './follows.service';
import { Follow, FollowSchema } from './schemas/follow.schema';
import { ShakeEntry, ShakeEntrySchema } from './schemas/shake-entry.schema';
import { Shake, ShakeSchema } from './schemas/shake.schema';
import { ShakeCountersService } from './shake-counters.service';
import { ShakeEntriesService } from './shake-entries.service';
import { ShakesService } from './shakes.service';

/**
 * Shakes, follows, shake entries (timelines) and their counters: the services every process needs (the API, the worker, other
 * features). No routes and no processors here: ShakesApiModule adds the routes; the social feature (src/social) runs the jobs that follow from follows.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Shake.name, schema: ShakeSchema },
      { name: Follow.name, schema: FollowSchema },
      { name: ShakeEntry.name, schema: ShakeEntrySchema },
    ]),
    SearchIndexerModule,
  ],
  providers: [ShakesService, FollowsService, ShakeCountersService, ShakeEntriesService],
  exports: [ShakesService, FollowsService, ShakeCountersService, ShakeEntriesService],
})
export class ShakesModule {}
