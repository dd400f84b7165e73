import type { FilterQuery, Model, Types } from 'mongoose';

/**
 * How many documents (matching `filter`, if given) have each of these ids in `field`, in one aggregation;
 * an id no document has is absent from the map. Keyed by the id's hex string.
 */
export async function countBy<T>(
  model: Model<T>,
  field: keyof T & string,
  ids: Types.ObjectId[],
  filter: FilterQuery<T> = {},
): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const rows = await model
    .aggregate<{ _id: Types.ObjectId; count: number }>([
      { $match: { ...filter, [field]: { $in: ids } } },
      { $group: { _id: `$${field}`, count: { $sum: 1 } } },
    ])
    .exec();
  return new Map(rows.map((row) => [row._id.toHexString(), row.count]));
}
