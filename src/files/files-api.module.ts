import { Module } from '@nestjs/common';
import { ShakesModule } from '../shakes/shakes.module';
import { UsersModule } from '../users/users.module';
import { FilesController } from './files.controller';
import { FilesModule } from './files.module';
import { MediaController } from './media.controller';
import { UploadsService } from './upload/uploads.service';

/** The file routes and the upload pipeline behind POST /files; only where the API is served. */
@Module({
  imports: [FilesModule, ShakesModule, UsersModule],
  controllers: [FilesController, MediaController],
  providers: [UploadsService],
})
export class FilesApiModule {}
