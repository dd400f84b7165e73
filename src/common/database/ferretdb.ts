import type { mongo } from 'mongoose';

/**
 * FerretDB answers buildInfo with its own fields (ferretdbVersion, ferretdbFeatures) beside the MongoDB version
 * it emulates; MongoDB has neither.
 */
export async function isFerretDb(db: mongo.Db): Promise<boolean> {
  const info = await db.admin().command({ buildInfo: 1 });
  return 'ferretdbVersion' in info || 'ferretdbFeatures' in info;
}
