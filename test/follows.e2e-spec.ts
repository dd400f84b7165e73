import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { Types, type Model } from 'mongoose';
import { encodeCursor } from '../src/common/pagination/cursor';
import { QUEUES, type RecountResult } from '../src/jobs/queues';
import type { Shake } from '../src/shakes/schemas/shake.schema';
import { SearchIndexer } from '../src/jobs/search-indexer';
import { ShakesService } from '../src/shakes/shakes.service';
import { makeAdmin } from './harness/admins';
import { settleQueues, settleSocialJobs } from './harness/jobs';
import { TestContext, type TestUser } from './harness/test-app';

describe('follows and follower counts', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let shakes: Model<Shake>;

  beforeAll(async () => {
    app = await ctx.startApp();
    shakes = app.get(getModelToken('Shake'));
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const unique = (base: string) => `${base}${Math.random().toString(36).slice(2, 8)}`;
  const follow = (user: TestUser, name: string) => http().put(`/api/v1/shakes/${name}/follow`).set('Authorization', user.auth);
  const unfollow = (user: TestUser, name: string) => http().delete(`/api/v1/shakes/${name}/follow`).set('Authorization', user.auth);
  const followerCount = async (name: string) => (await http().get(`/api/v1/shakes/${name}`).expect(200)).body.followerCount as number;
  const groupShake = async (owner: TestUser) => {
    const name = unique('g');
    await http().post('/api/v1/shakes').set('Authorization', owner.auth).send({ name, title: 'Group' }).expect(201);
    return name;
  };
  const followersOf = (name: string, query: Record<string, string | number> = {}) =>
    http().get(`/api/v1/shakes/${name}/followers`).query(query);

  it('counts a follow made twice once, after the job ran, and 0 after unfollowing', async () => {
    const owner = await ctx.newUser(app);
    const fan = await ctx.newUser(app);
    await follow(fan, owner.username).expect(204);
    await follow(fan, owner.username.toUpperCase()).expect(204);
    await settleSocialJobs(app);
    expect(await followerCount(owner.username)).toBe(1);
    const listed = (await followersOf(owner.username).expect(200)).body;
    expect(listed).toEqual({
      items: [{ user: { username: fan.username }, followedAt: expect.any(String) }],
      next: null,
      prev: expect.any(String),
    });

    await unfollow(fan, owner.username).expect(204);
    await unfollow(fan, owner.username).expect(204);
    await settleSocialJobs(app);
    expect(await followerCount(owner.username)).toBe(0);
    expect((await followersOf(owner.username).expect(200)).body.items).toEqual([]);
  });

  it('reranks shakes and users in search by their new follower counts after a follow and an unfollow', async () => {
    const word = `w${Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'x')}`;
    const [olderUser, newerUser, fan] = [await ctx.newUser(app, `${word}a`), await ctx.newUser(app, `${word}b`), await ctx.newUser(app)];
    const olderShake = await groupShake(fan);
    const newerShake = await groupShake(fan);
    for (const name of [olderShake, newerShake]) {
      await http()
        .patch(`/api/v1/shakes/${name}`)
        .set('Authorization', fan.auth)
        .send({ description: `birds ${word}` })
        .expect(200);
    }
    const ranked = async (type: 'users' | 'shakes') =>
      (
        (
          await http()
            .get('/api/v1/search')
            .query({ q: type === 'users' ? word : `birds ${word}`, type })
            .expect(200)
        ).body.items as { username?: string; name?: string }[]
      ).map((hit) => hit.username ?? hit.name);
    await settleQueues(app);
    // Equal followers: the newer first.
    expect(await ranked('users')).toEqual([newerUser.username, olderUser.username]);
    expect(await ranked('shakes')).toEqual([newerShake, olderShake]);

    await follow(fan, olderUser.username).expect(204);
    await follow(olderUser, olderShake).expect(204);
    await settleQueues(app);
    expect(await ranked('users')).toEqual([olderUser.username, newerUser.username]);
    expect(await ranked('shakes')).toEqual([olderShake, newerShake]);

    await unfollow(fan, olderUser.username).expect(204);
    await unfollow(olderUser, olderShake).expect(204);
    await settleQueues(app);
    expect(await ranked('users')).toEqual([newerUser.username, olderUser.username]);
    expect(await ranked('shakes')).toEqual([newerShake, olderShake]);
  });

  it('reranks in search when the admin recount corrects a follower count', async () => {
    const admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    const owner = await ctx.newUser(app);
    const word = `w${Math.random().toString(36).slice(2, 10).replace(/[0-9]/g, 'x')}`;
    const name = await groupShake(owner);
    await http()
      .patch(`/api/v1/shakes/${name}`)
      .set('Authorization', owner.auth)
      .send({ description: `birds ${word}` })
      .expect(200);
    const followersInSearch = async () =>
      ((await http().get('/api/v1/search').query({ q: word, type: 'shakes' }).expect(200)).body.items as { followers: number }[]).map(
        (hit) => hit.followers,
      );
    // A count gone wrong (a lost job, a bug) and indexed as it was.
    const shake = await shakes.findOneAndUpdate({ nameLower: name.toLowerCase() }, { $set: { followerCount: 9 } }).orFail();
    await app.get(SearchIndexer).enqueue('shake', shake._id);
    await settleQueues(app);
    expect(await followersInSearch()).toEqual([9]);

    const queued = await http().post('/api/v1/admin/recount').set('Authorization', admin.auth).expect(202);
    await (await app.get<Queue>(getQueueToken(QUEUES.social.name)).getJob(queued.body.jobId))!.finished();
    await settleQueues(app);
    expect(await followersInSearch()).toEqual([0]);
  });

  it('counts concurrent follows by many users exactly', async () => {
    const owner = await ctx.newUser(app);
    const name = await groupShake(owner);
    const fans = await Promise.all(Array.from({ length: 8 }, () => ctx.newUser(app)));
    await Promise.all(fans.flatMap((fan) => [follow(fan, name).expect(204), follow(fan, name).expect(204)]));
    await settleSocialJobs(app);
    expect(await followerCount(name)).toBe(8);
    await Promise.all(fans.slice(0, 3).map((fan) => unfollow(fan, name).expect(204)));
    await settleSocialJobs(app);
    expect(await followerCount(name)).toBe(5);
  });

  it('answers at once and leaves the count to the job', async () => {
    const owner = await ctx.newUser(app);
    const fan = await ctx.newUser(app);
    const queue = app.get<Queue>(getQueueToken(QUEUES.social.name));
    await queue.pause(true); // this process's worker only: the job waits in Redis
    try {
      await follow(fan, owner.username).expect(204);
      expect(await followerCount(owner.username)).toBe(0);
      expect((await queue.getWaiting()).map((job) => job.name)).toContain(QUEUES.social.jobs.followed);
    } finally {
      await queue.resume(true);
    }
    await settleSocialJobs(app);
    expect(await followerCount(owner.username)).toBe(1);
  });

  it('never lets a count taken earlier overwrite one taken later (jobs finishing out of order)', async () => {
    const owner = await ctx.newUser(app);
    const service = app.get(ShakesService);
    const shake = await service.getByName(owner.username);
    const now = Date.now();
    expect(await service.storeFollowerCount(shake._id, 5, new Date(now))).toBe(true);
    expect(await service.storeFollowerCount(shake._id, 3, new Date(now - 10))).toBe(false);
    expect(await followerCount(owner.username)).toBe(5);
    expect(await service.storeFollowerCount(shake._id, 4, new Date(now + 10))).toBe(true);
    expect(await followerCount(owner.username)).toBe(4);
    await service.storeFollowerCount(shake._id, 0, new Date(now + 20)); // the truth again, for later tests
  });

  it('refuses following your own user shake or your own group shake, and lets a manager follow', async () => {
    const owner = await ctx.newUser(app);
    const manager = await ctx.newUser(app);
    const name = await groupShake(owner);
    await http().put(`/api/v1/shakes/${name}/managers/${manager.username}`).set('Authorization', owner.auth).expect(200);
    for (const own of [owner.username, owner.username.toUpperCase(), name]) {
      const res = await follow(owner, own).expect(409);
      expect(res.body.message).toBe('You cannot follow your own shake');
    }
    await follow(manager, name).expect(204);
    await settleSocialJobs(app);
    expect(await followerCount(name)).toBe(1);
    expect(await followerCount(owner.username)).toBe(0);
  });

  it('lists the shakes I follow, newest first, page by page, leaving out deleted shakes', async () => {
    const me = await ctx.newUser(app);
    const owner = await ctx.newUser(app);
    const names = [owner.username, await groupShake(owner), await groupShake(owner), await groupShake(owner)];
    for (const name of names) await follow(me, name).expect(204);
    await http().delete(`/api/v1/shakes/${names[2]}`).set('Authorization', owner.auth).expect(204);

    const seen: string[] = [];
    let before: string | undefined;
    do {
      const res = await http()
        .get('/api/v1/me/following')
        .query({ limit: 2, ...(before ? { before } : {}) })
        .set('Authorization', me.auth)
        .expect(200);
      seen.push(...res.body.items.map((item: { shake: { name: string } }) => item.shake.name));
      before = res.body.next ?? undefined;
    } while (before);
    expect(seen).toEqual([names[3], names[1], names[0]]);

    const first = await http().get('/api/v1/me/following').query({ limit: 1 }).set('Authorization', me.auth).expect(200);
    expect(first.body.items[0]).toEqual({
      shake: {
        name: names[3],
        type: 'group',
        title: 'Group',
        owner: { username: owner.username },
        viewer: { following: true, canPost: false },
      },
      followedAt: expect.any(String),
    });
    await http().get('/api/v1/me/following').expect(401);
  });

  it('returns every follower exactly once while follows are added during the walk', async () => {
    const owner = await ctx.newUser(app);
    const name = await groupShake(owner);
    const initial = await Promise.all(Array.from({ length: 23 }, () => ctx.newUser(app)));
    for (const fan of initial) await follow(fan, name).expect(204);

    const seen: string[] = [];
    const added: string[] = [];
    let before: string | undefined;
    let pages = 0;
    do {
      const res = await followersOf(name, { limit: 5, ...(before ? { before } : {}) }).expect(200);
      seen.push(...res.body.items.map((item: { user: { username: string } }) => item.user.username));
      before = res.body.next ?? undefined;
      pages += 1;
      const late = await ctx.newUser(app); // a new follower arrives between pages
      await follow(late, name).expect(204);
      added.push(late.username);
    } while (before);

    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(initial.map((fan) => fan.username).sort());
    expect(seen).toEqual([...initial].reverse().map((fan) => fan.username)); // newest follower first
    const fresh = (await followersOf(name, { limit: 100 }).expect(200)).body.items.map(
      (i: { user: { username: string } }) => i.user.username,
    );
    expect(fresh.slice(0, added.length)).toEqual([...added].reverse());
  });

  it('walks followers back up with after, and polls with prev for those who followed since', async () => {
    const owner = await ctx.newUser(app);
    const name = await groupShake(owner);
    const fans = await Promise.all(Array.from({ length: 5 }, () => ctx.newUser(app)));
    for (const fan of fans) await follow(fan, name).expect(204);
    const names = (res: { body: { items: { user: { username: string } }[] } }) => res.body.items.map((item) => item.user.username);
    const newestFirst = [...fans].reverse().map((fan) => fan.username);

    const first = await followersOf(name, { limit: 2 }).expect(200);
    const second = await followersOf(name, { limit: 2, before: first.body.next }).expect(200);
    expect(names(second)).toEqual(newestFirst.slice(2, 4));
    const backUp = await followersOf(name, { limit: 2, after: second.body.prev }).expect(200);
    expect(names(backUp)).toEqual(newestFirst.slice(0, 2));

    expect(names(await followersOf(name, { after: first.body.prev }).expect(200))).toEqual([]);
    const late = await ctx.newUser(app);
    await follow(late, name).expect(204);
    expect(names(await followersOf(name, { after: first.body.prev }).expect(200))).toEqual([late.username]);
    await followersOf(name, { before: first.body.next, after: first.body.prev }).expect(400);
  });

  describe('bad page requests get a 400 and no page', () => {
    let shakeName: string;
    let me: TestUser;
    beforeAll(async () => {
      me = await ctx.newUser(app);
      shakeName = me.username;
    });
    const someId = new Types.ObjectId();

    it.each([
      ['a cursor that is not ours', { before: 'abc' }, /before is not a cursor of this list/],
      ['a raw ObjectId', { before: someId.toHexString() }, /before is not a cursor of this list/],
      ['a cursor of another list', { before: encodeCursor('notifications', someId) }, /before is not a cursor of this list/],
      ['two cursors', { before: ['a', 'b'] }, /before must be a string/],
      ['a limit above the cap', { limit: 101 }, /limit must not be greater than 100/],
      ['a limit of 0', { limit: 0 }, /limit must not be less than 1/],
      ['a limit that is not a number', { limit: 'ten' }, /limit must be an integer/],
      ['an unknown parameter', { offset: 100 }, /property offset should not exist/],
    ])('%s on /followers and /me/following', async (_, query, message) => {
      const followers = await followersOf(shakeName, query as Record<string, string>).expect(400);
      expect(JSON.stringify(followers.body.message)).toMatch(message);
      const following = await http().get('/api/v1/me/following').query(query).set('Authorization', me.auth).expect(400);
      expect(JSON.stringify(following.body.message)).toMatch(message);
    });

    it('refuses a followers cursor on /me/following and the other way round', async () => {
      await http()
        .get('/api/v1/me/following')
        .query({ before: encodeCursor('followers', someId) })
        .set('Authorization', me.auth)
        .expect(400);
      await followersOf(shakeName, { before: encodeCursor('following', someId) }).expect(400);
    });

    it('accepts a limit of exactly 100', async () => {
      await followersOf(shakeName, { limit: 100 }).expect(200);
    });
  });

  it('rebuilds follower counts from the facts with the recount job', async () => {
    const admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    const owner = await ctx.newUser(app);
    const fans = await Promise.all(Array.from({ length: 3 }, () => ctx.newUser(app)));
    for (const fan of fans) await follow(fan, owner.username).expect(204);
    const lonely = await groupShake(owner);
    await settleSocialJobs(app);
    expect(await followerCount(owner.username)).toBe(3);

    // Corrupt both ways, as a lost job or a bug would, including a "taken at" from the future that would
    // otherwise make every later count look stale.
    const future = new Date('2100-01-01T00:00:00Z');
    await shakes.updateOne({ nameLower: owner.username.toLowerCase() }, { $set: { followerCount: 42, followerCountAt: future } });
    await shakes.updateOne({ nameLower: lonely.toLowerCase() }, { $set: { followerCount: 7 } });
    // Written behind the app's back, so no cached page knows: look in the database.
    expect((await shakes.findOne({ nameLower: owner.username.toLowerCase() }).lean())?.followerCount).toBe(42);

    const queued = await http().post('/api/v1/admin/recount').set('Authorization', admin.auth).expect(202);
    const job = await app.get<Queue>(getQueueToken(QUEUES.social.name)).getJob(queued.body.jobId);
    const result = (await job!.finished()) as RecountResult;

    expect(result.corrected).toBeGreaterThanOrEqual(2); // other tests in this file may leave wrong counts too
    expect(result.shakes).toBe(await shakes.countDocuments());
    expect(await followerCount(owner.username)).toBe(3);
    expect(await followerCount(lonely)).toBe(0);
  });
});
