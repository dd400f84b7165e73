import { type DynamicModule, Global, Module } from '@nestjs/common';
import { runsJobs, type RunMode } from '../config/run-mode';
import { JobHandlersCheck } from '../jobs/job-handlers.check';
import { JobRecovery } from '../jobs/job-recovery';
import { SearchIndexerModule } from '../jobs/search-indexer.module';
import { INSTANCE_ID, newInstanceId } from './instance-id';
import { ShutdownState } from './shutdown-state';
import { SystemProcessor } from './system.processor';

/**
 * Process-wide facts (instance id, shutdown state) and, where this process runs jobs, the system jobs, the handler
 * check and job recovery (outbox, sweepers).
 */
@Global()
@Module({})
export class SystemModule {
  static forMode(mode: RunMode): DynamicModule {
    return {
      module: SystemModule,
      imports: runsJobs(mode) ? [SearchIndexerModule] : [],
      providers: [
        { provide: INSTANCE_ID, useFactory: newInstanceId },
        ShutdownState,
        ...(runsJobs(mode) ? [SystemProcessor, JobHandlersCheck, JobRecovery] : []),
      ],
      exports: [INSTANCE_ID, ShutdownState],
    };
  }
}
