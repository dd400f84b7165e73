/**
 * npm run bench:lookups: what the upload and serving paths' lookups cost as the store grows, measured straight
 * against the database (no HTTP). For each size in BENCH_SIZES (posts, default 1000,5000) it fills
 * source_files and shared_files with that many documents (through the app's own schemas and indexes) and the
 * GridFS bucket with that many 16 kB files, then times, BENCH_REPEATS times each (median and max):
 * - the upload's dedupe lookup, findOneAndUpdate by sha256 (a new hash: the common case), and the same by the _id
 *   made from the hash (with the hash, as the upload sends it); inserting a source file and a post;
 * - the serving path's post lookup by share key, and the source lookup by _id;
 * - a GridFS stat and whole read of one 16 kB file.
 * Database: see ../common/database.ts; BENCH_DATABASE=sqlite is the newcomer's `npm start` default.
 */
import mongoose, { mongo, Types } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { SharedFile, SharedFileSchema } from '../../src/files/schemas/shared-file.schema';
import { SourceFile, SourceFileSchema } from '../../src/files/schemas/source-file.schema';
import { GRIDFS_BUCKET_NAME, GridFsStorage } from '../../src/files/storage/gridfs.storage';
import { openDatabase } from '../common/database';
import { seedPosts } from './seed';
import { newShareKey } from '../../src/files/share-key';
import { sourceIdOf } from '../../src/files/source-files.service';
import { runBench } from '../common/run-bench';

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000').split(',').map(Number);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 10);
const say = (line: string) => process.stdout.write(`${line}\n`);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function time(repeats: number, operation: (n: number) => Promise<unknown>): Promise<{ median: number; max: number }> {
  const runs: number[] = [];
  for (let n = 0; n < repeats; n++) {
    const started = performance.now();
    await operation(n);
    runs.push(performance.now() - started);
  }
  runs.sort((a, b) => a - b);
  return { median: runs[Math.floor(runs.length / 2)], max: runs[runs.length - 1] };
}

async function main(): Promise<void> {
  const database = await openDatabase(`malted_bench_lookups_${randomBytes(4).toString('hex')}`);
  const connection = await mongoose.createConnection(database.uri).asPromise();
  try {
    const sources = connection.model(SourceFile.name, SourceFileSchema);
    const posts = connection.model(SharedFile.name, SharedFileSchema);
    const gridfs = new GridFsStorage(connection.db!);
    await gridfs.write('index-maker', Readable.from([Buffer.from('x')]), { contentType: 'image/jpeg' }); // GridFS's indexes
    const small = randomBytes(16_000);
    say(`lookups on ${database.label}, ${REPEATS} repeats each (median / max ms)`);
    say(
      '| posts stored | dedupe by sha256 (new hash) | by _id | by _id and sha256 | insert a source | insert a post | post by share key | ' +
        'source by _id | GridFS stat 16 kB | GridFS read 16 kB |',
    );
    say('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    let stored = 0;
    const keys: string[] = [];
    const sourceIds: Types.ObjectId[] = [];
    for (const size of SIZES) {
      for (; stored < size; stored += 500) {
        const batch = Math.min(500, size - stored);
        const seeded = await seedPosts(database.uri, batch, stored);
        keys.push(...seeded.keys);
        sourceIds.push(...seeded.sourceIds);
        // Shaped as GridFsStorage writes them (one chunk each), inserted in bulk: seeding through the driver
        // would itself slow down with every file stored.
        const files = seeded.keys.map((_, i) => ({
          _id: new Types.ObjectId(),
          filename: `g-${stored + i}`,
          length: small.length,
          chunkSize: 255 * 1024,
          uploadDate: new Date(),
          metadata: { contentType: 'image/jpeg' },
        }));
        await connection
          .db!.collection(`${GRIDFS_BUCKET_NAME}.chunks`)
          .insertMany(files.map((file) => ({ files_id: file._id, n: 0, data: new mongo.Binary(small) })));
        await connection.db!.collection(`${GRIDFS_BUCKET_NAME}.files`).insertMany(files);
      }
      const pick = (n: number) => (n * 7919) % keys.length;
      const rows = [
        await time(REPEATS, (n) => sources.findOneAndUpdate({ sha256: sha256(`absent ${size} ${n}`) }, { $inc: { refCount: 1 } }).exec()),
        // The _id made from the hash, alone (what acquire() sends), and with the hash beside it.
        await time(REPEATS, (n) =>
          sources.findOneAndUpdate({ _id: sourceIdOf(sha256(`absent by id ${size} ${n}`)) }, { $inc: { refCount: 1 } }).exec(),
        ),
        await time(REPEATS, (n) => {
          const hash = sha256(`absent by id and hash ${size} ${n}`);
          return sources.findOneAndUpdate({ _id: sourceIdOf(hash), sha256: hash }, { $inc: { refCount: 1 } }).exec();
        }),
        await time(REPEATS, (n) =>
          sources.create({
            sha256: sha256(`inserted ${size} ${n}`),
            storageKey: `src-i${n}`,
            contentType: 'image/jpeg',
            size: 1,
            width: 1,
            height: 1,
            refCount: 1,
          }),
        ),
        await time(REPEATS, () =>
          posts.create({ key: newShareKey(), sourceId: sourceIds[0], userId: sourceIds[0], shakeId: sourceIds[0] }),
        ),
        await time(REPEATS, (n) => posts.findOne({ key: keys[pick(n)], deletedAt: null }).exec()),
        await time(REPEATS, (n) => sources.findById(sourceIds[pick(n)]).exec()),
        await time(REPEATS, (n) => gridfs.stat(`g-${pick(n)}`)),
        await time(REPEATS, async (n) => {
          for await (const _ of await gridfs.read(`g-${pick(n)}`)) void _;
        }),
      ];
      say(`| ${size} | ${rows.map(({ median, max }) => `${median.toFixed(1)} / ${max.toFixed(0)}`).join(' | ')} |`);
    }
  } finally {
    await connection.close();
    await database.dropAndStop();
  }
}

runBench(main);
