import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectModel } from '@nestjs/mongoose';
import { type Model, Types } from 'mongoose';
import { setTimeout as sleep } from 'node:timers/promises';
import { Role } from '../../common/auth/role';
import { DomainError } from '../../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../../config/environment';
import { UploadUsage } from './upload-usage.schema';

/** The calendar month (UTC) of a moment, `2026-12`, and when the next one starts. */
export function quotaMonthOf(now: Date): { month: string; resetsAt: Date } {
  const month = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
  return { month, resetsAt: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)) };
}

export interface UploadQuotaUsage {
  /** null: no limit (none configured, or an admin). */
  limitBytes: number | null;
  usedBytes: number;
  month: string;
  resetsAt: Date;
}

/** The upload would take the user past their monthly quota: refused before its bytes are stored. */
export class UploadQuotaExceededError extends DomainError {
  readonly status = 429;
  override readonly details: Record<string, string | number>;
  override readonly headers: Record<string, string>;

  constructor(usage: { limitBytes: number; usedBytes: number; resetsAt: Date }) {
    const resetAt = usage.resetsAt.toISOString();
    super(
      `This upload would pass your monthly upload quota of ${usage.limitBytes} bytes ` +
        `(${usage.usedBytes} used this month); it resets at ${resetAt}`,
    );
    this.details = { quotaBytes: usage.limitBytes, usedBytes: usage.usedBytes, resetAt };
    this.headers = { 'Retry-After': String(Math.max(1, Math.ceil((usage.resetsAt.getTime() - Date.now()) / 1000))) };
  }
}

/** A reservation of bytes against the quota, to be released if the upload fails. */
export type QuotaReservation = Types.ObjectId;

const RESERVE_ATTEMPTS = 6;

/**
 * Per-user monthly upload quotas (UPLOAD_QUOTA_BYTES_PER_MONTH). Each counted upload is one row of upload_usage,
 * inserted before its bytes are stored (a reservation) and deleted if the upload fails; usage is the sum of a
 * month's rows. A row is written only by the request that inserted it (never by two writers at once), so the rule holds on FerretDB
 * (whose updates are a read then a write) as on MongoDB:
 *
 * A reservation inserts its row, then sums every row of the month, its own included; it stands only if that sum
 * is within the quota. Of any set of reservations that stand, the one inserted last read a sum that held them all,
 * so together they never pass the quota. Two uploads reserving at the same moment may each count the other and
 * both step back: a reservation that failed only because of rows still undecided (`granted: false`) deletes its
 * row, waits a random few milliseconds and tries again; one that fails on decided rows alone is refused.
 */
@Injectable()
export class UploadQuotaService {
  private readonly limit: number;

  constructor(
    @InjectModel(UploadUsage.name) private readonly usage: Model<UploadUsage>,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.limit = config.get('UPLOAD_QUOTA_BYTES_PER_MONTH', { infer: true });
  }

  private limitFor(role: Role): number | null {
    return this.limit === 0 || role === Role.Admin ? null : this.limit;
  }

  async usageOf(user: { id: Types.ObjectId; role: Role }, now = new Date()): Promise<UploadQuotaUsage> {
    const { month, resetsAt } = quotaMonthOf(now);
    return { limitBytes: this.limitFor(user.role), usedBytes: await this.sum(user.id, month), month, resetsAt };
  }

  /**
   * The most bytes the user's next upload may have, or null when nothing limits it. Throws when nothing is left,
   * so an upload is refused before its body is read.
   */
  async remainingFor(user: { id: Types.ObjectId; role: Role }): Promise<number | null> {
    const usage = await this.usageOf(user);
    if (usage.limitBytes === null) return null;
    const remaining = usage.limitBytes - usage.usedBytes;
    if (remaining <= 0) throw new UploadQuotaExceededError({ ...usage, limitBytes: usage.limitBytes });
    return remaining;
  }

  /** The error for an upload found too large for what is left while its bytes arrived. */
  async exceededError(user: { id: Types.ObjectId; role: Role }): Promise<UploadQuotaExceededError> {
    const usage = await this.usageOf(user);
    return new UploadQuotaExceededError({ ...usage, limitBytes: usage.limitBytes ?? this.limit });
  }

  /** Counts `bytes` against the user's month, or throws UploadQuotaExceededError when they do not fit. */
  async reserve(user: { id: Types.ObjectId; role: Role }, bytes: number): Promise<QuotaReservation> {
    const limit = this.limitFor(user.role);
    for (let attempt = 1; ; attempt++) {
      const { month, resetsAt } = quotaMonthOf(new Date());
      const row = await this.usage.create({ userId: user.id, month, bytes, granted: limit === null });
      if (limit === null) return row._id;
      const rows = await this.rowsOf(user.id, month);
      const total = rows.reduce((sum, other) => sum + other.bytes, 0);
      if (total <= limit) {
        await this.usage.updateOne({ _id: row._id }, { $set: { granted: true } }).exec();
        return row._id;
      }
      await this.release(row._id);
      const decided = rows.filter((other) => other.granted).reduce((sum, other) => sum + other.bytes, 0);
      if (decided + bytes > limit || attempt >= RESERVE_ATTEMPTS) {
        throw new UploadQuotaExceededError({ limitBytes: limit, usedBytes: decided, resetsAt });
      }
      await sleep(5 + Math.random() * 20 * attempt);
    }
  }

  /** Gives a failed upload's bytes back. */
  async release(reservation: QuotaReservation): Promise<void> {
    await this.usage.deleteOne({ _id: reservation }).exec();
  }

  /** Every row of a user (their account is being deleted). */
  async forget(userId: Types.ObjectId): Promise<void> {
    await this.usage.deleteMany({ userId }).exec();
  }

  private rowsOf(userId: Types.ObjectId, month: string): Promise<{ bytes: number; granted: boolean }[]> {
    return this.usage.find({ userId, month }, { bytes: 1, granted: 1, _id: 0 }).lean<{ bytes: number; granted: boolean }[]>().exec();
  }

  private async sum(userId: Types.ObjectId, month: string): Promise<number> {
    return (await this.rowsOf(userId, month)).reduce((sum, row) => sum + row.bytes, 0);
  }
}
