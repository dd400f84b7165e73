import type { Job } from 'bull';
import { Types } from 'mongoose';

/** A payload that is not an id will never become one: discard instead of retrying, then fail. */
export async function objectIdIn(job: Job, value: unknown): Promise<Types.ObjectId> {
  if (typeof value === 'string' && /^[0-9a-f]{24}$/.test(value)) return new Types.ObjectId(value);
  await job.discard();
  throw new Error(`job ${job.name} has an invalid id in its payload: ${JSON.stringify(value)}`);
}
