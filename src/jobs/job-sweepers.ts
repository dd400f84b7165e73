import { Injectable } from '@nestjs/common';

/**
 * Finds work a fact still owes (a job lost with an empty Redis, a failed enqueue whose outbox write failed too, a
 * job that failed for good for a passing reason) and queues it again through JobProducer.resubmit. Features
 * register theirs in their worker module; JobRecovery runs them on every tick, in one worker at a time.
 */
export interface Sweeper {
  readonly name: string;
  /** Queues again what was left undone before `olderThan`; returns how many jobs it queued. */
  sweep(olderThan: Date): Promise<number>;
}

@Injectable()
export class JobSweepers {
  private readonly registered: Sweeper[] = [];

  register(sweeper: Sweeper): void {
    this.registered.push(sweeper);
  }

  all(): readonly Sweeper[] {
    return this.registered;
  }
}
