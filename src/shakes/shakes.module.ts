import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { FollowsService } from './follows.service';
import { Follow, FollowSchema } from './schemas/follow.schema';
import { Shake, ShakeSchema } from './schemas/shake.schema';
import { ShakeCountersService } from './shake-counters.service';
import { ShakesService } from './shakes.service';

/**
 * Shakes, follows and their counters: the services every process needs (the API, the worker, other
 * features). No routes and no processors here: ShakesApiModule and ShakesWorkerModule add those per mode.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: Shake.name, schema: ShakeSchema },
      { name: Follow.name, schema: FollowSchema },
    ]),
  ],
  providers: [ShakesService, FollowsService, ShakeCountersService],
  exports: [ShakesService, FollowsService, ShakeCountersService],
})
export class ShakesModule {}
