import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { type Model, Types } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import { QUEUES } from '../../src/jobs/queues';
import type { SearchEntry } from '../../src/search/database/search-entry.schema';
import { SearchIndexer } from '../../src/jobs/search-indexer';
import { Role } from '../../src/common/auth/role';
import { UsersService } from '../../src/users/users.service';
import { png, randomColor } from '../harness/images';
import { eventually } from '../harness/servers';
import { TestContext, type TestUser } from '../harness/test-app';
import { runCli } from '../harness/cli-process';

/** A word no other test uses, so each test sees only its own files (letters only: digits would be fine too). */
const uniqueWord = () =>
  `q${randomBytes(5)
    .toString('hex')
    .replace(/[0-9]/g, (d) => 'ghijklmnop'[Number(d)])}`;

describe('search', () => {
  const ctx = new TestContext(__filename);
  let api: NestExpressApplication;
  let alice: TestUser;
  let bob: TestUser;
  let posts: Model<SharedFile>;
  let entries: Model<SearchEntry>;
  let searchQueue: Queue;

  // Its own upload folder: files.e2e-spec checks the OS temporary folder for leftovers while it runs.
  const uploadDir = mkdtempSync(join(tmpdir(), 'malted-search-e2e-'));

  beforeAll(async () => {
    // Several tests change the index or posts behind the app's back, which no cached response could know.
    api = await ctx.startApp({ MALTED_MODE: 'api', UPLOAD_TMP_DIR: uploadDir, HTTP_CACHE_ENABLED: 'false' });
    await ctx.startApp({ MALTED_MODE: 'worker', UPLOAD_TMP_DIR: uploadDir }); // runs the jobs, as a worker pod would
    alice = await ctx.newUser(api);
    bob = await ctx.newUser(api);
    posts = api.get(getModelToken('SharedFile'));
    entries = api.get(getModelToken('SearchEntry'));
    searchQueue = api.get<Queue>(getQueueToken(QUEUES.search.name));
  });
  afterAll(async () => {
    await ctx.close();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  const http = () => ctx.http(api);

  /** Waits until every search job queued so far has run, and insists none failed. */
  const indexed = async () => {
    const counts = await eventually(
      () => searchQueue.getJobCounts(),
      (c) => c.active + c.waiting + c.delayed === 0,
      20_000,
    );
    expect(counts).toMatchObject({ active: 0, waiting: 0, delayed: 0, failed: 0 });
  };

  const upload = async (user: TestUser, fields: Record<string, string>, image?: Buffer): Promise<string> => {
    const req = http().post('/api/v1/files').set('Authorization', user.auth);
    for (const [name, value] of Object.entries(fields)) req.field(name, value);
    const res = await req.attach('file', image ?? (await png(16, 16, randomColor())), { filename: 'x.png', contentType: 'image/png' });
    expect(res.status).toBe(201);
    return res.body.key as string;
  };

  type Query = Record<string, string | number | boolean | undefined>;
  const search = (query: Query) => http().get('/api/v1/search').query(query);
  /** The share keys a search finds, best first (all pages at the largest page size). */
  const keysFound = async (q: string, extra: Query = {}): Promise<string[]> => {
    const res = await search({ q, limit: 50, ...extra }).expect(200);
    return (res.body.items as { key: string }[]).map((item) => item.key);
  };

  describe('after an upload is indexed', () => {
    const word = uniqueWord();
    let key: string;
    let other: string;

    beforeAll(async () => {
      key = await upload(alice, {
        title: `Morning Café ${word}`,
        description: `Steam over the cup #Espresso #latte_art`,
        altText: 'a white porcelain mug',
      });
      other = await upload(bob, { title: `Evening ${word}` });
      await indexed();
    });

    it('finds the file by a word of its title, and shows what a result needs', async () => {
      const res = await search({ q: 'morning ' + word }).expect(200);
      expect(res.body).toEqual({ type: 'files', items: [expect.any(Object)] });
      expect(res.body.items[0]).toEqual({
        key,
        title: `Morning Café ${word}`,
        description: 'Steam over the cup #Espresso #latte_art',
        altText: 'a white porcelain mug',
        tags: ['espresso', 'latte_art'],
        owner: { username: alice.username },
        shake: alice.username,
        contentType: 'image/png',
        width: 16,
        height: 16,
        frames: 1,
        likes: 0,
        nsfw: false,
        urls: {
          raw: `/api/v1/files/${key}/raw`,
          thumbnail: `/api/v1/files/${key}/thumbnail`,
          small: `/api/v1/files/${key}/small`,
          short: { raw: `/r/${key}`, thumbnail: `/t/${key}`, small: `/s/${key}` },
        },
        createdAt: expect.any(String),
      });
      expect(await keysFound(word)).toEqual(expect.arrayContaining([key, other]));
    });

    it('finds it by a prefix of the last word, not of the others', async () => {
      expect(await keysFound(`${word} morn`)).toEqual([key]);
      expect(await keysFound(`${word} mo`)).toEqual([key]);
      expect(await keysFound(`morn ${word}`)).toEqual([]);
    });

    it('finds it whatever the case and accents, both ways', async () => {
      expect(await keysFound(`CAFE ${word}`)).toEqual([key]);
      expect(await keysFound(`${word} cafe`)).toEqual([key]);
      expect(await keysFound(`${word} Cafè`)).toEqual([key]);
      const plain = await upload(alice, { title: `plain cafe ${word}` });
      await indexed();
      expect(await keysFound(`Café ${word} plain`)).toEqual([plain]);
    });

    it('finds it by description, tag, alt text, owner and shake name', async () => {
      expect(await keysFound(`steam ${word}`)).toEqual([key]);
      expect(await keysFound(`espresso ${word}`)).toEqual([key]);
      expect(await keysFound(`porcelain ${word}`)).toEqual([key]);
      expect(await keysFound(`${alice.username} ${word}`)).toEqual(expect.arrayContaining([key]));
      expect(await keysFound(`${word} ${bob.username}`)).toEqual([other]);
    });

    it('narrows by from: and in:', async () => {
      expect(await keysFound(`${word} from:${alice.username.toUpperCase()}`)).toEqual(expect.arrayContaining([key]));
      expect(await keysFound(`${word} from:${alice.username}`)).not.toContain(other);
      expect(await keysFound(`from:${bob.username} ${word}`)).toEqual([other]);
      expect(await keysFound(`in:${bob.username} ${word}`)).toEqual([other]);
      expect(await keysFound(`${word} from:${alice.username} in:${bob.username}`)).toEqual([]);
      expect(await keysFound(`${word} from:nobody-at-all`)).toEqual([]);
      expect(await keysFound(`from:${bob.username}`)).toEqual(expect.arrayContaining([other]));
    });

    it('finds files posted to a group shake with in:', async () => {
      const shakes = api.get<Model<{ name: string }>>(getModelToken('Shake'));
      const owner = await api.get(UsersService).getByUsername(alice.username);
      const name = `grp${uniqueWord()}`.slice(0, 20);
      const group = await shakes.create({ name, nameLower: name, type: 'group', ownerId: owner._id, title: 'Trips', managerIds: [] });
      await api.get(SearchIndexer).enqueue('shake', group._id); // what the shakes feature will do on creation
      const inGroup = await upload(alice, { title: `group ${word}`, shake: name });
      await indexed();
      expect(await keysFound(`in:${name} ${word}`)).toEqual([inGroup]);
      expect(await keysFound(`in:${alice.username} ${word} group`)).toEqual([]);
    });
  });

  it('follows edits: the old words stop finding the file, the new ones find it', async () => {
    const word = uniqueWord();
    const key = await upload(alice, { title: `alpha ${word}` });
    await indexed();
    expect(await keysFound(`alpha ${word}`)).toEqual([key]);

    await http()
      .patch(`/api/v1/files/${key}`)
      .set('Authorization', alice.auth)
      .send({ title: `omega ${word}`, altText: 'zebra' })
      .expect(200);
    await indexed();
    expect(await keysFound(`alpha ${word}`)).toEqual([]);
    expect(await keysFound(`omega ${word}`)).toEqual([key]);
    expect(await keysFound(`${word} zebr`)).toEqual([key]);
  });

  it('forgets a deleted file', async () => {
    const word = uniqueWord();
    const kept = await upload(alice, { title: `kept ${word}` });
    const gone = await upload(alice, { title: `gone ${word}` });
    await indexed();
    expect(await keysFound(word)).toEqual(expect.arrayContaining([kept, gone]));

    await http().delete(`/api/v1/files/${gone}`).set('Authorization', alice.auth).expect(204);
    await indexed();
    expect(await keysFound(word)).toEqual([kept]);
    expect(await entries.countDocuments({ 'hit.key': gone })).toBe(0);
  });

  it('hides NSFW files, in every post of the same bytes', async () => {
    const word = uniqueWord();
    const image = await png(20, 20, randomColor());
    const marked = await upload(alice, { title: `beach ${word}` }, image);
    const sameBytes = await upload(bob, { title: `beach ${word}` }, image);
    const safe = await upload(bob, { title: `beach ${word}` });
    await indexed();
    expect(await keysFound(word)).toHaveLength(3);

    await http().patch(`/api/v1/files/${marked}`).set('Authorization', alice.auth).send({ nsfw: true }).expect(200);
    await indexed();
    expect(await keysFound(word)).toEqual([safe]);
    expect(await keysFound(`beach ${word}`, { originals: false })).toEqual([safe]);
    expect(await keysFound(`from:${bob.username} ${word}`)).not.toContain(sameBytes);
  });

  it('ranks a more-liked file above a less-liked one with the same match', async () => {
    const word = uniqueWord();
    const older = await upload(alice, { title: `sunset ${word}` });
    const newer = await upload(bob, { title: `sunset ${word}` });
    await indexed();
    expect(await keysFound(`sunset ${word}`)).toEqual([newer, older]); // equal likes: the newer first

    // Likes are built elsewhere: set the counter as that feature will, then run the index job it will queue.
    const post = await posts.findOneAndUpdate({ key: older }, { $set: { 'counts.likes': 5 } }).orFail();
    await api.get(SearchIndexer).enqueue('file', post._id);
    await indexed();
    expect(await keysFound(`sunset ${word}`)).toEqual([older, newer]);
    const res = await search({ q: word }).expect(200);
    expect(res.body.items[0]).toMatchObject({ key: older, likes: 5 });
  });

  it('ranks whole-word matches of the last word above prefix matches, whatever the likes', async () => {
    const word = uniqueWord();
    const exact = await upload(alice, { title: `${word}` });
    const prefix = await upload(bob, { title: `${word}ness` });
    const longer = await upload(bob, { title: `${word}ful` });
    await posts.updateOne({ key: prefix }, { $set: { 'counts.likes': 100 } });
    await api.get(SearchIndexer).enqueue('file', (await posts.findOne({ key: prefix }).orFail())._id);
    await indexed();

    expect(await keysFound(word)).toEqual([exact, prefix, longer]);
    expect(await keysFound(`${word}n`)).toEqual([prefix]);
    expect(await keysFound(`${word}ness`)).toEqual([prefix]);
  });

  it('searches originals only unless asked for saved copies too', async () => {
    const word = uniqueWord();
    const original = await upload(alice, { title: `origin ${word}` });
    const source = await posts.findOne({ key: original }).orFail();
    // Saves are built elsewhere: make the copy as that feature will, then queue its index job.
    const copy = await posts.create({
      key: randomBytes(5).toString('hex'),
      sourceId: source.sourceId,
      userId: (await api.get(UsersService).getByUsername(bob.username))._id,
      shakeId: source.shakeId,
      title: `origin ${word}`,
      parentId: source._id,
      originalId: source._id,
    });
    await api.get(SearchIndexer).enqueue('file', copy._id);
    await indexed();

    expect(await keysFound(word)).toEqual([original]);
    expect(await keysFound(word, { originals: true })).toEqual([original]);
    expect((await keysFound(word, { originals: false })).sort()).toEqual([original, copy.key].sort());
  });

  describe('treats operators and regex syntax in q as text', () => {
    const word = uniqueWord();
    let where: string;
    let anything: string;
    beforeAll(async () => {
      where = await upload(alice, { title: `where ${word}` });
      anything = await upload(alice, { title: `anything ${word}` });
      await indexed();
    });

    it.each([['.*'], ['{}'], ['{"$gt": ""}'], ['^.*$'], ['(a+)+$'], ['\\'], ['[a-z]'], ['$ne'], ['*']])(
      '%s matches nothing by itself, without an error',
      async (q) => {
        const res = await search({ q: q.length < 2 ? `${q}${q}` : q, limit: 50 }).expect(200);
        expect(res.body.items.map((item: { key: string }) => item.key)).not.toContain(where);
      },
    );

    it('searches "$where" for the word where, not for every file', async () => {
      expect(await keysFound(`$where ${word}`)).toEqual([where]);
      expect(await keysFound('$where')).toContain(where);
      expect(await keysFound('$where')).not.toContain(anything);
      expect(await keysFound(`${word} .* {`)).toEqual(expect.arrayContaining([where]));
    });

    it('refuses a q that is not one string, without touching the query', async () => {
      await search({ 'q[$ne]': 'x' }).expect(400);
      const res = await http().get(`/api/v1/search?q=${word}&q=where`).expect(400);
      expect(res.body.message).toEqual(['q is required: the words to search for']);
    });
  });

  describe('pages', () => {
    const word = uniqueWord();
    const keys: string[] = [];
    beforeAll(async () => {
      for (let i = 0; i < 4; i++) keys.push(await upload(alice, { title: `${word}` }));
      for (let i = 0; i < 3; i++) keys.push(await upload(bob, { title: `${word}s` }));
      await indexed();
    });

    it('walks every result once, in order, across the whole-word and prefix tiers', async () => {
      const all = await keysFound(word);
      expect(all).toHaveLength(7);
      expect(all.slice(0, 4).sort()).toEqual(keys.slice(0, 4).sort());

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page++) {
        const res = await search({ q: word, limit: 3, ...(cursor ? { cursor } : {}) }).expect(200);
        seen.push(...res.body.items.map((item: { key: string }) => item.key));
        cursor = res.body.next;
        if (!cursor) break;
        expect(res.body.items).toHaveLength(3);
      }
      expect(seen).toEqual(all);
    });

    it('ends with no next when the last page is exactly full', async () => {
      const first = await search({ q: word, limit: 4 }).expect(200);
      const second = await search({ q: word, limit: 4, cursor: first.body.next }).expect(200);
      expect(second.body.items).toHaveLength(3);
      expect(second.body.next).toBeUndefined();
      const exactly = await search({ q: word, limit: 7 }).expect(200);
      expect(exactly.body.next).toBeUndefined();
    });

    it('refuses a cursor of another search, or one that is not a cursor', async () => {
      const first = await search({ q: word, limit: 2 }).expect(200);
      const queries: Query[] = [
        { q: `${word}s`, cursor: first.body.next },
        { q: word, cursor: first.body.next, type: 'users' },
        { q: word, cursor: first.body.next, originals: false },
        { q: word, cursor: 'bm90IGEgY3Vyc29y' },
        { q: word, cursor: Buffer.from('{"v":1,"s":"x","t":0,"r":1,"i":{"$gt":""}}').toString('base64url') },
        { q: word, cursor: '../../etc/passwd' },
      ];
      for (const query of queries) {
        const res = await search(query).expect(400);
        expect(res.body.message).toMatch(/^cursor is not a cursor of this search/);
      }
      await search({ q: word, limit: 5, cursor: first.body.next }).expect(200); // another page size is fine
    });
  });

  describe('refuses bad requests with a clear 400', () => {
    it.each([
      [{}, ['q is required: the words to search for']],
      [{ q: '' }, 'q is empty: give the words to search for'],
      [{ q: '    ' }, 'q is empty: give the words to search for'],
      [{ q: 'a' }, 'q must be at least 2 characters'],
      [{ q: '{' }, 'q must be at least 2 characters'],
      [{ q: 'x'.repeat(201) }, 'q must be at most 200 characters (got 201)'],
      [{ q: 'one two three four five six seven eight nine ten eleven' }, 'q must have at most 10 words (got 11)'],
      [{ q: 'cats from:' }, 'from: needs a username, e.g. from:alice'],
      [{ q: 'cats in:x', type: 'users' }, 'in: does not apply to type=users (it takes no filters)'],
      [{ q: 'cats', type: 'posts' }, ['type must be one of files, shakes, users']],
      [{ q: 'cats', limit: 0 }, ['limit must not be less than 1']],
      [{ q: 'cats', limit: 51 }, ['limit must not be greater than 50']],
      [{ q: 'cats', limit: 'ten' }, expect.arrayContaining(['limit must be an integer number'])],
      [{ q: 'cats', originals: 'maybe' }, ['originals must be true or false']],
      [{ q: 'cats', sort: 'likes' }, ['property sort should not exist']],
    ])('%j', async (query, message) => {
      const res = await search(query as Record<string, string>).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message });
    });
  });

  describe('users and shakes', () => {
    it('finds users by name or its start, and their shakes; a disabled user disappears', async () => {
      const name = `${uniqueWord()}_Otter`;
      const user = await ctx.newUser(api, name);
      await indexed();
      const usernames = async (q: string) =>
        ((await search({ q, type: 'users' }).expect(200)).body.items as { username: string }[]).map((item) => item.username);
      const shakeNames = async (q: string) =>
        ((await search({ q, type: 'shakes' }).expect(200)).body.items as { name: string }[]).map((item) => item.name);

      expect(await usernames(name)).toEqual([name]);
      expect(await usernames(name.slice(0, 6))).toEqual([name]);
      expect(await usernames(`${name.split('_')[0]} OTT`)).toEqual([name]);
      expect((await search({ q: name, type: 'users' })).body.items[0]).toEqual({
        username: name,
        shake: name,
        createdAt: expect.any(String),
      });
      expect(await shakeNames(name)).toEqual([name]);
      expect(await shakeNames(`from:${name} ${name.slice(0, 5)}`)).toEqual([name]);

      const admin = await ctx.newUser(api);
      const users = api.get(UsersService);
      await users.update((await users.getByUsername(admin.username))._id, { role: Role.Admin });
      await http().patch(`/api/v1/admin/users/${user.username}`).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
      await indexed();
      expect(await usernames(name)).toEqual([]);
      expect(await shakeNames(name)).toEqual([]);

      await http().patch(`/api/v1/admin/users/${user.username}`).set('Authorization', admin.auth).send({ disabled: false }).expect(200);
      await indexed();
      expect(await usernames(name)).toEqual([name]);
    });

    it('indexes a group shake when its feature calls enqueue, and forgets it once it is gone', async () => {
      const word = uniqueWord();
      const shakes = api.get<Model<{ name: string }>>(getModelToken('Shake'));
      const owner = await api.get(UsersService).getByUsername(bob.username);
      const name = `g${word}`.slice(0, 25);
      const shake = await shakes.create({
        name,
        nameLower: name,
        type: 'group',
        ownerId: owner._id,
        title: 'Bird Watching',
        description: 'Herons and égrets',
      });
      await api.get(SearchIndexer).enqueue('shake', shake._id);
      await indexed();

      const res = await search({ q: `egrets ${name.slice(0, 6)}`, type: 'shakes' }).expect(200);
      expect(res.body.items).toEqual([
        {
          name,
          title: 'Bird Watching',
          description: 'Herons and égrets',
          type: 'group',
          owner: { username: bob.username },
          followers: 0,
          createdAt: expect.any(String),
        },
      ]);
      expect((await search({ q: `bird from:${bob.username} ${name}`, type: 'shakes' }).expect(200)).body.items).toHaveLength(1);

      await shakes.deleteOne({ _id: shake._id });
      await api.get(SearchIndexer).enqueue('shake', shake._id);
      await indexed();
      expect((await search({ q: name, type: 'shakes' }).expect(200)).body.items).toEqual([]);
    });
  });

  it('stops a search that needs more database time than SEARCH_TIMEOUT_MS, with a clear 503', async () => {
    const word = uniqueWord();
    const filler = Array.from({ length: 1500 }, (_, i) => ({
      _id: `file:${new Types.ObjectId().toString()}`,
      kind: 'file',
      keys: [`=${word}`, `=n${i}`],
      rank: i,
      popularity: 0,
      createdAt: new Date(),
      original: true,
      nsfw: false,
      rebuild: 0,
      hit: { key: `k${i}` },
    }));
    await entries.collection.insertMany(filler as never[]);
    try {
      const hurried = await ctx.startApp({
        MALTED_MODE: 'api',
        SEARCH_TIMEOUT_MS: '1',
        UPLOAD_TMP_DIR: uploadDir,
        HTTP_CACHE_ENABLED: 'false',
      });
      const res = await ctx.http(hurried).get('/api/v1/search').query({ q: word }).expect(503);
      expect(res.body).toMatchObject({ statusCode: 503, message: expect.stringMatching(/^The search took too long/) });
      await ctx.closeApp(hurried);
      expect((await search({ q: word, limit: 5 }).expect(200)).body.items).toHaveLength(5); // the default budget suffices
    } finally {
      await entries.deleteMany({ keys: `=${word}` });
    }
  });

  describe('rebuild', () => {
    const searches = (word: string): Query[] => [
      { q: word },
      { q: `${word} cafe` },
      { q: `from:${alice.username} ${word}` },
      { q: word, originals: false },
      { q: word.slice(0, 4), limit: 50 },
      { q: alice.username, type: 'users' },
      { q: bob.username, type: 'shakes' },
    ];
    const results = async (word: string) => Promise.all(searches(word).map(async (query) => (await search(query).expect(200)).body.items));

    /** Every entry without what only says when it was written. */
    const comparableEntries = async () => entries.find({}, { indexedAt: 0, rebuild: 0 }).sort({ _id: 1 }).lean();

    const rebuildAsAdmin = async () => {
      const admin = await ctx.newUser(api);
      const users = api.get(UsersService);
      await users.update((await users.getByUsername(admin.username))._id, { role: Role.Admin });
      await indexed();
      await http().post('/api/v1/admin/search/rebuild').expect(401);
      await http().post('/api/v1/admin/search/rebuild').set('Authorization', alice.auth).expect(403);
      const res = await http().post('/api/v1/admin/search/rebuild').set('Authorization', admin.auth).expect(202);
      expect(res.body).toEqual({ jobId: 'search-rebuild', queued: true });
      const job = await searchQueue.getJob('search-rebuild');
      return job!.finished();
    };

    it('reproduces what the incremental index found, and drops entries whose source is gone', async () => {
      const word = uniqueWord();
      await upload(alice, { title: `Café ${word}`, description: '#rebuilt' });
      const liked = await upload(bob, { title: `cafeteria ${word}` });
      await upload(alice, { title: `${word} tea` });
      const deleted = await upload(alice, { title: `${word} gone` });
      await posts.updateOne({ key: liked }, { $set: { 'counts.likes': 3 } });
      await api.get(SearchIndexer).enqueue('file', (await posts.findOne({ key: liked }).orFail())._id);
      await http().delete(`/api/v1/files/${deleted}`).set('Authorization', alice.auth).expect(204);
      await indexed();
      const before = await results(word);
      expect(before[0]).toHaveLength(3);
      const entriesBefore = await comparableEntries();

      // Lose the index, and leave behind an entry whose post no longer exists.
      await entries.deleteMany({});
      await entries.create({
        _id: `file:${new Types.ObjectId().toString()}`,
        kind: 'file',
        keys: [`=${word}`, word],
        rank: 1e9,
        popularity: 0,
        createdAt: new Date(),
        original: true,
        nsfw: false,
        hit: { key: 'orphan' } as never,
      });
      expect((await search({ q: word }).expect(200)).body.items.map((i: { key: string }) => i.key)).toEqual(['orphan']);

      const result = await rebuildAsAdmin();
      const entriesAfter = await comparableEntries();
      expect(result).toMatchObject({ indexed: entriesAfter.length, removed: 1, swept: 1 });
      expect(await results(word)).toEqual(before);
      // Entry for entry the same as the jobs made, but for the admin the rebuild test itself registered.
      const idsBefore = new Set(entriesBefore.map((entry) => entry._id));
      expect(entriesAfter.filter((entry) => idsBefore.has(entry._id))).toEqual(entriesBefore);
      expect(entriesAfter.length).toBe(entriesBefore.length + 2); // the admin and the admin's shake
    });

    it('runs from the CLI, following the job until it is done', async () => {
      const word = uniqueWord();
      await upload(bob, { title: `cli ${word}` });
      await indexed();
      const before = await results(word);
      await entries.deleteMany({ kind: 'file' });

      const run = await runCli(ctx, ['search-rebuild']);
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout).toMatch(/search rebuild finished: \d+ indexed, \d+ removed/);
      expect(await results(word)).toEqual(before);
    });
  });
});
