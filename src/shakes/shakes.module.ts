import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { Shake, ShakeSchema } from './schemas/shake.schema';
import { ShakesService } from './shakes.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: Shake.name, schema: ShakeSchema }])],
  providers: [ShakesService],
  exports: [ShakesService],
})
export class ShakesModule {}
