import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { type HydratedDocument, Schema as MongooseSchema } from 'mongoose';
import type { JobName } from './queues';

/**
 * A job that Redis did not take in time (down, frozen, or slower than JOB_ENQUEUE_TIMEOUT_MS), kept in the
 * database until a worker queues it. Written instead of the job, never beside it, so a healthy Redis costs
 * nothing here. Drained oldest first (by _id).
 */
@Schema({ collection: 'job_outbox', timestamps: { createdAt: true, updatedAt: false } })
export class OutboxEntry {
  @Prop({ type: String, required: true })
  name!: JobName;

  @Prop({ required: true, type: MongooseSchema.Types.Mixed })
  payload!: Record<string, unknown>;

  /** Why the job was not queued at once, for whoever reads the collection. */
  @Prop({ required: true })
  reason!: string;

  createdAt!: Date;
}

export type OutboxEntryDocument = HydratedDocument<OutboxEntry>;
export const OutboxEntrySchema = SchemaFactory.createForClass(OutboxEntry);

/**
 * What the workers know about Redis: the epoch they last wrote into it. A Redis that answers without the
 * epoch has lost its data (restarted empty, or a replica that lagged took over), and with it every waiting job.
 */
@Schema({ collection: 'job_state' })
export class JobState {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  epoch!: string;

  @Prop({ required: true })
  since!: Date;
}

export const JobStateSchema = SchemaFactory.createForClass(JobState);
