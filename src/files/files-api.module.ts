import { Module } from '@nestjs/common';
import { FilesController } from './files.controller';
import { FilesModule } from './files.module';
import { MediaController } from './media.controller';

/** The file routes; only where the API is served. */
@Module({
  imports: [FilesModule],
  controllers: [FilesController, MediaController],
})
export class FilesApiModule {}
