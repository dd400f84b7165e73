import { setMaxListeners } from 'node:events';
import { ServiceUnavailableError } from '../errors/domain-errors';

/**
 * A request body still arriving when the process must stop (an upload from a slow client at SIGTERM) would be
 * cut off half-received by the exit at SHUTDOWN_TIMEOUT_MS, its temporary file left behind. main.ts aborts this
 * signal a few seconds before then; a receiver that streams a body listens, refuses the request with 503 and
 * removes what it wrote, so the process still exits 0 having stored nothing half.
 */
const controller = new AbortController();
setMaxListeners(0, controller.signal); // one listener per upload in flight

export const incomingBodiesCutOff: AbortSignal = controller.signal;

export function cutOffIncomingBodies(): void {
  controller.abort();
}

export class ShuttingDownError extends ServiceUnavailableError {
  constructor() {
    super('The server is shutting down before this request arrived in full; send it again');
  }
}
