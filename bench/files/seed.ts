import mongoose, { Types } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { SharedFile, SharedFileSchema } from '../../src/files/schemas/shared-file.schema';
import { SourceFile, SourceFileSchema } from '../../src/files/schemas/source-file.schema';
import { newShareKey } from '../../src/files/share-key';

export interface SeededPosts {
  keys: string[];
  sourceIds: Types.ObjectId[];
}

/**
 * `count` posts, each of its own source file, inserted in bulk through the app's schemas (with their indexes),
 * as a store of that many uploads would hold them (the bytes themselves are not stored). Numbered from `from`.
 */
export async function seedPosts(uri: string, count: number, from = 0): Promise<SeededPosts> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const sources = connection.model(SourceFile.name, SourceFileSchema);
    const posts = connection.model(SharedFile.name, SharedFileSchema);
    await sources.init();
    await posts.init();
    const seeded: SeededPosts = { keys: [], sourceIds: [] };
    const userId = new Types.ObjectId();
    for (let done = 0; done < count; done += 500) {
      const batch = Array.from({ length: Math.min(500, count - done) }, (_, i) => ({
        _id: new Types.ObjectId(),
        sha256: createHash('sha256')
          .update(`seeded source ${from + done + i}`)
          .digest('hex'),
        storageKey: `src-${randomBytes(16).toString('hex')}`,
        contentType: 'image/jpeg',
        size: 1_000_000,
        width: 1600,
        height: 1200,
        refCount: 1,
      }));
      await sources.insertMany(batch);
      const made = await posts.insertMany(
        batch.map((source, i) => ({
          key: newShareKey(),
          sourceId: source._id,
          userId,
          shakeId: userId,
          title: `a photo ${from + done + i}`,
          description: 'a description of some length, as people write them #tag',
        })),
      );
      seeded.keys.push(...made.map((post) => post.key));
      seeded.sourceIds.push(...batch.map((source) => source._id));
    }
    return seeded;
  } finally {
    await connection.close();
  }
}
