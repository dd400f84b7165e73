import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * That the mail for one event went out. Its _id is the event key (the job id), so a job that runs again (a
 * retry after the send, a redelivered stalled job) finds it and sends nothing.
 */
@Schema({ collection: 'sent_mails', timestamps: { createdAt: 'sentAt', updatedAt: false } })
export class SentMail {
  @Prop({ type: String, required: true })
  _id!: string;

  @Prop({ required: true })
  template!: string;

  @Prop({ required: true })
  messageId!: string;

  sentAt!: Date;
}

export type SentMailDocument = HydratedDocument<SentMail>;
export const SentMailSchema = SchemaFactory.createForClass(SentMail);
/** Serves the daily prune of old records. */
SentMailSchema.index({ sentAt: 1 });
