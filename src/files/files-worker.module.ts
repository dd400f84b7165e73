import { Module } from '@nestjs/common';
import { FilesModule } from './files.module';
import { FilesProcessor } from './files.processor';

/** The files feature's queue processors: imported only where jobs run (worker and all-in-one modes). */
@Module({
  imports: [FilesModule],
  providers: [FilesProcessor],
})
export class FilesWorkerModule {}
