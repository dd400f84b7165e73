import { createHash } from 'node:crypto';
import mongoose from 'mongoose';
import { mongoUriFor } from './test-app';

/** Fields that change on reads by design (a token's last use), left out of the fingerprint. */
const VOLATILE_FIELDS = new Set(['lastUsedAt']);

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date || value instanceof mongoose.Types.ObjectId) return String(value);
  if (value && typeof value === 'object' && !Buffer.isBuffer(value) && value.constructor === Object) {
    return Object.fromEntries(
      Object.keys(value)
        .filter((key) => !VOLATILE_FIELDS.has(key))
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Each collection of a test database as `count:sha256` of its documents in `_id` order. */
export async function databaseFingerprint(database: string, ignore: string[] = []): Promise<Record<string, string>> {
  const connection = await mongoose.createConnection(mongoUriFor(database)).asPromise();
  try {
    const db = connection.db!;
    const names = (await db.listCollections().toArray())
      .map((c) => c.name)
      .filter((name) => !ignore.includes(name))
      .sort();
    const fingerprint: Record<string, string> = {};
    for (const name of names) {
      const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
      const hash = createHash('sha256')
        .update(JSON.stringify(docs.map(canonical)))
        .digest('hex')
        .slice(0, 16);
      fingerprint[name] = `${docs.length}:${hash}`;
    }
    return fingerprint;
  } finally {
    await connection.close();
  }
}
