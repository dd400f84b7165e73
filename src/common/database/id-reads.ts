import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, HydratedDocument, Model, ProjectionType, Types } from 'mongoose';
import { isFerretDb } from './ferretdb';

/** Reads one by one go out this many at a time, so that a long list does not take the whole connection pool. */
const PARALLEL_READS = 10;

/**
 * Reads documents by a list of `_id`s in the way the database answers fastest. MongoDB walks the `_id` index for
 * one `_id: {$in}` query. FerretDB 1.x pushes no `$in` down: it decodes every document of the collection for it
 * (940 ms for 10 posts among 10,000 on SQLite and on PostgreSQL alike), while it answers an `_id` equality alone
 * from the `_id` index on SQLite (about 1 ms) and with a scan inside PostgreSQL (about 10 ms). So on FerretDB
 * each document is read by its own `_id`.
 */
@Injectable()
export class IdReads {
  private oneByOne?: Promise<boolean>;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The documents of these ids that exist, in no particular order; each id read once. */
  async find<T>(model: Model<T>, ids: readonly Types.ObjectId[], projection?: ProjectionType<T>): Promise<HydratedDocument<T>[]> {
    const unique = [...new Map(ids.map((id) => [id.toHexString(), id])).values()];
    if (unique.length === 0) return [];
    if (!(await this.readsOneByOne())) return model.find({ _id: { $in: unique } }, projection).exec();
    const found: HydratedDocument<T>[] = [];
    for (let start = 0; start < unique.length; start += PARALLEL_READS) {
      const batch = unique.slice(start, start + PARALLEL_READS);
      for (const doc of await Promise.all(batch.map((_id) => model.findOne({ _id }, projection).exec()))) if (doc) found.push(doc);
    }
    return found;
  }

  /** Asked once; a failed question (the database away) is asked again by the next read. */
  private readsOneByOne(): Promise<boolean> {
    this.oneByOne ??= isFerretDb(this.connection.db!).catch((error: unknown) => {
      this.oneByOne = undefined;
      throw error;
    });
    return this.oneByOne;
  }
}
