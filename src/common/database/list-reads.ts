import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection, FilterQuery, HydratedDocument, Model, ProjectionType, Types } from 'mongoose';
import { isFerretDb } from './ferretdb';

/** Reads one by one go out this many at a time, so that a long list does not take the whole connection pool. */
const PARALLEL_READS = 10;

/** One `$in` for every list; one read per `_id` and one `$in` for other fields; one read per value of any field. */
type Strategy = 'in' | 'each-id' | 'each';

/**
 * Reads documents by a list of values of one field in the way the database answers fastest. MongoDB serves an
 * `$in` from the field's index. FerretDB 1.x pushes no `$in` down to its storage: it decodes every document of
 * the collection for one (940 ms for 10 posts among 10,000), while it pushes equality down, served by an index
 * (tools/mongo-test-server adds the ones FerretDB's own cannot be): on PostgreSQL equality on any field, on
 * SQLite equality on `_id` alone. So on FerretDB each value is read by itself where that is pushed down, and the
 * rest is one `$in`, one scan instead of one per value. Which case holds is asked once: MongoDB or FerretDB
 * (buildInfo), and FerretDB's own explain of an equality on another field than `_id`.
 */
@Injectable()
export class ListReads {
  private strategy?: Promise<Strategy>;

  constructor(@InjectConnection() private readonly connection: Connection) {}

  /** The documents of these ids that exist, in no particular order; each id read once. */
  byIds<T>(model: Model<T>, ids: readonly Types.ObjectId[], projection?: ProjectionType<T>): Promise<HydratedDocument<T>[]> {
    return this.byValues(model, '_id', ids, {}, projection);
  }

  /**
   * The documents whose `field` holds one of `values` and that match `filter` (read beside each value), in no
   * particular order; each value read once. With `sort` and `limit`, each read keeps that many in that order: the
   * one `$in` read at most `limit` in all, a read per value at most `limit` of that value.
   */
  async byValues<T>(
    model: Model<T>,
    field: string,
    values: readonly (string | Types.ObjectId)[],
    filter: FilterQuery<T> = {},
    projection?: ProjectionType<T>,
    order?: { sort: Record<string, 1 | -1>; limit: number },
  ): Promise<HydratedDocument<T>[]> {
    const unique = [...new Map(values.map((value) => [String(value), value])).values()];
    if (unique.length === 0) return [];
    const read = (match: unknown) => {
      const query = model.find({ ...filter, [field]: match } as FilterQuery<T>, projection);
      return (order ? query.sort(order.sort).limit(order.limit) : query).exec();
    };
    const strategy = await this.strategyFor(model);
    if (strategy === 'in' || (strategy === 'each-id' && field !== '_id')) return read({ $in: unique });
    const found: HydratedDocument<T>[] = [];
    for (let start = 0; start < unique.length; start += PARALLEL_READS) {
      for (const docs of await Promise.all(unique.slice(start, start + PARALLEL_READS).map(read))) found.push(...docs);
    }
    return found;
  }

  /** Asked once, on the first collection read (which exists: every model makes its indexes at start-up). */
  private strategyFor<T>(model: Model<T>): Promise<Strategy> {
    this.strategy ??= this.ask(model).catch((error: unknown) => {
      this.strategy = undefined; // the database away: asked again by the next read
      throw error;
    });
    return this.strategy;
  }

  private async ask<T>(model: Model<T>): Promise<Strategy> {
    if (!(await isFerretDb(this.connection.db!))) return 'in';
    const plan = await this.connection.db!.command({ explain: { find: model.collection.collectionName, filter: { _malted_probe: 'x' } } });
    return plan.filterPushdown === true ? 'each' : 'each-id';
  }
}
