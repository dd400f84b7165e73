import type { Model, Types } from 'mongoose';

/** How many documents of a collection with a shakeId field belong to each of these shakes; absent means none. */
export async function countByShake<T extends { shakeId: Types.ObjectId }>(
  model: Model<T>,
  shakeIds: Types.ObjectId[],
): Promise<Map<string, number>> {
  const rows = await model
    .aggregate<{ _id: Types.ObjectId; count: number }>([
      { $match: { shakeId: { $in: shakeIds } } },
      { $group: { _id: '$shakeId', count: { $sum: 1 } } },
    ])
    .exec();
  return new Map(rows.map((row) => [row._id.toHexString(), row.count]));
}
