import type { Logger } from '@nestjs/common';
import { isDuplicateKeyError } from '../errors/duplicate-key';

/**
 * Puts back a fact (a like, a follow, a comment) that a request removed before the job that follows from the
 * removal could not be queued; the request then fails and a retry starts clean. A duplicate key means it is back
 * already (made again meanwhile). Any other failure is logged with what was lost, and not thrown: the request
 * fails with the enqueue's error either way, and the fact stays removed with no job to recount it until the
 * admin recount runs.
 */
export async function putBack(logger: Logger, what: string, fact: { _id: unknown }, restore: () => Promise<unknown>): Promise<void> {
  try {
    await restore();
  } catch (error) {
    if (isDuplicateKeyError(error)) return;
    logger.error({ err: error, [`${what}Id`]: String(fact._id) }, `could not put back a removed ${what} after its job could not be queued: its counts stay stale until a recount`);
  }
}
