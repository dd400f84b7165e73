import { getQueueToken } from '@nestjs/bull';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bull';
import { ALL_QUEUE_NAMES, jobNamesOf } from './queues';

/** Bull keeps the handlers that @Process registered in this (untyped) map. */
type QueueWithHandlers = Queue & { handlers?: Record<string, unknown> };

/** In a process that runs jobs, refuses to start when a declared job has no processor: it would wait forever. */
@Injectable()
export class JobHandlersCheck implements OnApplicationBootstrap {
  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    const missing = ALL_QUEUE_NAMES.flatMap((queueName) => {
      const queue = this.moduleRef.get<QueueWithHandlers>(getQueueToken(queueName), { strict: false });
      return jobNamesOf(queueName)
        .filter((job) => !queue.handlers?.[job])
        .map((job) => `${queueName}/${job}`);
    });
    if (missing.length > 0) {
      throw new Error(`No processor for job(s): ${missing.join(', ')}`);
    }
  }
}
