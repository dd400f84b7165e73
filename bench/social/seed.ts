/**
 * The social graph bench:social measures, bulk-inserted straight into the database through the app's own
 * schemas (so defaults, counters and indexes are those of real documents): users and their user shakes, source
 * files, posts (originals and saves) with their shake entries, and follows, with the counters the social jobs
 * would have derived. Seeded randomness: every run writes the same data.
 */
import { type Connection, type Model, Types } from 'mongoose';
import { hashPassword } from '../../src/auth/password-hasher';
import { SharedFile, SharedFileSchema, saveKeyOf } from '../../src/files/schemas/shared-file.schema';
import { SourceFile, SourceFileSchema } from '../../src/files/schemas/source-file.schema';
import { tagsOf } from '../../src/files/tags';
import { Follow, FollowSchema } from '../../src/shakes/schemas/follow.schema';
import { ShakeEntry, ShakeEntrySchema } from '../../src/shakes/schemas/shake-entry.schema';
import { Shake, ShakeSchema, ShakeType } from '../../src/shakes/schemas/shake.schema';
import { User, UserSchema } from '../../src/users/schemas/user.schema';
import { randomSource, zipf } from '../common/random';

/** A number from the environment, or the fallback. */
export const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** What bench:social and its profile seed (BENCH_POSTS, BENCH_USERS, ...), and the deep page they read. */
export const PLAN = {
  posts: env('BENCH_POSTS', 100_000),
  users: env('BENCH_USERS', 1000),
  bigPosts: env('BENCH_BIG_POSTS', 10_000),
  follows: env('BENCH_FOLLOWS', 10_000),
  viewerFollows: env('BENCH_VIEWER_FOLLOWS', 500),
  saveShare: 0.1,
};
export const DEEP_PAGE = env('BENCH_DEEP_PAGE', 500);

export interface SeedPlan {
  users: number;
  posts: number;
  /** Posts in the big shake (whose pages are measured). */
  bigPosts: number;
  follows: number;
  /** Of the follows, those of the viewer (the big shake and others). */
  viewerFollows: number;
  /** Share of posts that are saves of an earlier original by someone else. */
  saveShare: number;
}

export interface SeededEntry {
  _id: Types.ObjectId;
  shakeId: Types.ObjectId;
  key: string;
}

/** A seeded post as its search entry sees it (bench:capacity indexes them). */
export interface SeededPost {
  _id: Types.ObjectId;
  key: string;
  sourceId: Types.ObjectId;
  title: string;
  description: string;
  tags: string[];
  /** The poster's username, also the name of their user shake, where the post is. */
  owner: string;
  /** False for a save. */
  original: boolean;
  createdAt: Date;
}

export interface Seeded {
  bigShakeName: string;
  /** The big shake's entries, newest first. */
  bigEntries: SeededEntry[];
  /** The entries of the shakes the viewer follows (the home timeline before "each image once"), newest first. */
  viewerEntries: SeededEntry[];
  /** Every post, oldest first. */
  posts: SeededPost[];
  counts: Record<string, number>;
  seconds: number;
}

const BATCH = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** The words of the seeded titles and descriptions. */
export const WORDS = ['sunset', 'cat', 'street', 'coffee', 'rain', 'bridge', 'garden', 'night', 'portrait', 'harbour', 'snow', 'market'];
const newestFirst = (a: { _id: Types.ObjectId }, b: { _id: Types.ObjectId }) => (a._id.toHexString() < b._id.toHexString() ? 1 : -1);

/**
 * Inserts documents through a model's schema (casting and defaults as the app would write them) in unordered
 * bulk batches.
 */
async function insertAll<T>(model: Model<T>, plain: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < plain.length; start += BATCH) {
    const batch = plain.slice(start, start + BATCH).map((doc) => new model(doc).toObject({ depopulate: true }));
    await model.collection.insertMany(batch as never[], { ordered: false });
  }
}

/**
 * Seeds `plan` and returns what the scenarios need. `viewerId` is a registered user (with a token) whose user
 * shake already exists; they follow the big shake and `viewerFollows - 1` other shakes.
 */
export async function seedSocialGraph(connection: Connection, plan: SeedPlan, viewerId: Types.ObjectId): Promise<Seeded> {
  const started = Date.now();
  const random = randomSource(11);
  const now = Date.now();
  let counter = 0;
  /** An ObjectId of the given time, unique in this seed (a counter where the driver puts its own). */
  const idAt = (ms: number) =>
    new Types.ObjectId(
      Math.floor(ms / 1000)
        .toString(16)
        .padStart(8, '0') +
        Math.floor(random() * 0xffffffffff)
          .toString(16)
          .padStart(10, '0') +
        (counter++ % 0xffffff).toString(16).padStart(6, '0'),
    );
  const shareKey = (n: number) => {
    let key = '';
    for (let i = n; key.length < 6; i = Math.floor(i / 62)) key = BASE62[i % 62] + key;
    for (let i = 0; i < 4; i++) key += BASE62[Math.floor(random() * 62)];
    return key;
  };

  const models = {
    users: connection.model(User.name, UserSchema),
    shakes: connection.model(Shake.name, ShakeSchema),
    sources: connection.model(SourceFile.name, SourceFileSchema),
    files: connection.model(SharedFile.name, SharedFileSchema),
    entries: connection.model(ShakeEntry.name, ShakeEntrySchema),
    follows: connection.model(Follow.name, FollowSchema),
  };

  // Users and their user shakes; user 0 owns the big shake. They never log in: one real hash serves them all.
  const passwordHash = await hashPassword(`bench-${random()}`);
  const users = Array.from({ length: plan.users }, (_, i) => {
    const username = i === 0 ? 'bench_big' : `bench_${String(i).padStart(4, '0')}`;
    const createdAt = new Date(now - 400 * DAY_MS);
    return {
      _id: idAt(createdAt.getTime()),
      username,
      usernameLower: username,
      email: `${username}@bench.example`,
      passwordHash,
      createdAt,
      updatedAt: createdAt,
    };
  });
  const shakes = users.map((user) => ({
    _id: idAt(user.createdAt.getTime()),
    name: user.username,
    nameLower: user.usernameLower,
    type: ShakeType.User,
    ownerId: user._id,
    title: user.username,
    createdAt: user.createdAt,
    updatedAt: user.createdAt,
  }));

  // Posts over the last year, oldest first, so that a save can point at an earlier original.
  const times = Array.from({ length: plan.posts }, () => now - random() * 365 * DAY_MS).sort((a, b) => a - b);
  const bigAt = new Set<number>();
  while (bigAt.size < plan.bigPosts) bigAt.add(Math.floor(random() * plan.posts));
  const pickOther = zipf(plan.users - 1, 0.8, random);
  const sources: Record<string, unknown>[] = [];
  const files: Record<string, unknown>[] = [];
  const entries: (SeededEntry & Record<string, unknown>)[] = [];
  const posts: SeededPost[] = [];
  const originals: {
    _id: Types.ObjectId;
    key: string;
    userId: Types.ObjectId;
    sourceId: Types.ObjectId;
    title: string;
    description: string;
    saves: number;
  }[] = [];
  const savedBy = new Set<string>();
  for (let i = 0; i < plan.posts; i++) {
    const owner = bigAt.has(i) ? 0 : 1 + pickOther();
    const user = users[owner];
    const shake = shakes[owner];
    const createdAt = new Date(times[i]);
    const _id = idAt(times[i]);
    const key = shareKey(i);
    const candidate = originals.length > 0 && random() < plan.saveShare ? originals[Math.floor(random() * originals.length)] : undefined;
    // One live save per user and post (the unique saveKey), never of one's own post.
    const saveKey = candidate && saveKeyOf(user._id, candidate._id);
    const parent = candidate && !candidate.userId.equals(user._id) && !savedBy.has(saveKey!) ? candidate : undefined;
    let sourceId: Types.ObjectId;
    let title: string;
    let description: string;
    if (parent) {
      savedBy.add(saveKey!);
      parent.saves += 1;
      ({ sourceId, title, description } = parent);
      files.push({
        _id,
        key,
        sourceId,
        userId: user._id,
        shakeId: shake._id,
        title,
        description,
        tags: tagsOf(description),
        parentId: parent._id,
        originalId: parent._id,
        savedFromKey: parent.key,
        saveKey,
        createdAt,
        updatedAt: createdAt,
      });
    } else {
      sourceId = idAt(times[i]);
      const word = () => WORDS[Math.floor(random() * WORDS.length)];
      title = `${word()} ${word()}`;
      description = random() < 0.3 ? `a ${word()} #${word()}` : '';
      sources.push({
        _id: sourceId,
        sha256: sourceId.toHexString().padEnd(64, '0'),
        storageKey: `bench/${sourceId.toHexString()}`,
        contentType: 'image/jpeg',
        size: 150_000 + Math.floor(random() * 2_000_000),
        width: 1200,
        height: 900,
        createdAt,
      });
      const post = {
        _id,
        key,
        sourceId,
        userId: user._id,
        shakeId: shake._id,
        title,
        description,
        tags: tagsOf(description),
        createdAt,
        updatedAt: createdAt,
      };
      files.push(post);
      originals.push({ ...post, saves: 0 });
    }
    posts.push({ _id, key, sourceId, title, description, tags: tagsOf(description), owner: user.username, original: !parent, createdAt });
    entries.push({ _id: idAt(times[i]), shakeId: shake._id, sharedFileId: _id, sourceId, userId: user._id, createdAt, key });
  }
  // What the social/posted jobs would have counted.
  const savesOf = new Map(originals.map((post) => [post._id.toHexString(), post.saves]));
  const countedAt = new Date(now);
  for (const post of files) {
    const saves = savesOf.get((post._id as Types.ObjectId).toHexString()) ?? 0;
    post.counts = { saves };
    post.countedAt = { saves: saves > 0 ? countedAt : null };
  }
  const refs = new Map(originals.map((post) => [post.sourceId.toHexString(), 1 + post.saves]));
  for (const source of sources) source.refCount = refs.get((source._id as Types.ObjectId).toHexString()) ?? 1;

  // Follows: the viewer's (the big shake first), then random ones between the seeded users.
  const follows: Record<string, unknown>[] = [];
  const taken = new Set<string>();
  const addFollow = (followerId: Types.ObjectId, shake: (typeof shakes)[number]) => {
    const pair = `${followerId.toHexString()}:${shake._id.toHexString()}`;
    if (shake.ownerId.equals(followerId) || taken.has(pair)) return false;
    taken.add(pair);
    const createdAt = new Date(now - random() * 365 * DAY_MS);
    follows.push({ _id: idAt(createdAt.getTime()), followerId, shakeId: shake._id, createdAt });
    return true;
  };
  addFollow(viewerId, shakes[0]);
  while (follows.length < plan.viewerFollows) addFollow(viewerId, shakes[1 + Math.floor(random() * (plan.users - 1))]);
  while (follows.length < plan.follows) addFollow(users[Math.floor(random() * plan.users)]._id, shakes[Math.floor(random() * plan.users)]);
  const countBy = (rows: Record<string, unknown>[]) => {
    const counts = new Map<string, number>();
    for (const row of rows) counts.set(String(row.shakeId), (counts.get(String(row.shakeId)) ?? 0) + 1);
    return counts;
  };
  const fileCounts = countBy(entries);
  const followerCounts = countBy(follows);
  for (const shake of shakes as Record<string, unknown>[]) {
    shake.fileCount = fileCounts.get(String(shake._id)) ?? 0;
    shake.followerCount = followerCounts.get(String(shake._id)) ?? 0;
    shake.fileCountAt = countedAt;
    shake.followerCountAt = countedAt;
  }

  await insertAll(models.users, users);
  await insertAll(models.shakes, shakes);
  await insertAll(models.sources, sources);
  await insertAll(models.files, files);
  await insertAll(models.entries, entries);
  await insertAll(models.follows, follows);

  const followed = new Set(follows.filter((f) => (f.followerId as Types.ObjectId).equals(viewerId)).map((f) => String(f.shakeId)));
  const strip = ({ _id, shakeId, key }: SeededEntry) => ({ _id, shakeId, key });
  return {
    bigShakeName: shakes[0].name,
    bigEntries: entries
      .filter((entry) => entry.shakeId.equals(shakes[0]._id))
      .sort(newestFirst)
      .map(strip),
    viewerEntries: entries
      .filter((entry) => followed.has(entry.shakeId.toHexString()))
      .sort(newestFirst)
      .map(strip),
    posts,
    counts: {
      users: users.length + 1,
      shakes: shakes.length + 1,
      sources: sources.length,
      posts: files.length,
      saves: files.length - originals.length,
      entries: entries.length,
      follows: follows.length,
    },
    seconds: (Date.now() - started) / 1000,
  };
}
