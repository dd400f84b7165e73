import { Module } from '@nestjs/common';
import { FilesModule } from './files.module';
import { FilesProcessor } from './files.processor';
import { FilesSweeper } from './files.sweeper';
import { SourceReferencesSweeper } from './source-references.sweeper';

/** The files feature's queue processors: imported only where jobs run (worker and all-in-one modes). */
@Module({
  imports: [FilesModule],
  providers: [FilesProcessor, FilesSweeper, SourceReferencesSweeper],
})
export class FilesWorkerModule {}
