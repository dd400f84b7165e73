import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import { Types } from 'mongoose';
import { AccountRemovalService } from '../src/account/account-removal.service';
import { STORAGE_DRIVER, type StorageDriver } from '../src/files/storage/storage-driver';
import { JobProducer } from '../src/jobs/job-producer';
import { QUEUES } from '../src/jobs/queues';
import { UsersService } from '../src/users/users.service';
import { makeAdmin } from './harness/admins';
import { png, randomColor } from './harness/images';
import { FOLLOW_UP_QUEUES, settleQueues } from './harness/jobs';
import { TestContext, type TestUser } from './harness/test-app';

/** Whether a value holds the id (as an ObjectId, or in any string) or one of the words (in any string), keys included. */
function holds(value: unknown, hex: string, words: string[]): boolean {
  if (value === null || value === undefined || value instanceof Date || Buffer.isBuffer(value)) return false;
  if (typeof value === 'string') {
    const lower = value.toLowerCase();
    return lower.includes(hex) || words.some((word) => lower.includes(word));
  }
  if (typeof value !== 'object') return false;
  if ((value as { _bsontype?: string })._bsontype === 'ObjectId') return (value as Types.ObjectId).toHexString() === hex;
  if ((value as { _bsontype?: string })._bsontype) return false; // other BSON values (binary, decimal, ...)
  if (Array.isArray(value)) return value.some((item) => holds(item, hex, words));
  return Object.entries(value).some(([key, item]) => holds(key, hex, words) || holds(item, hex, words));
}

/**
 * Every document of every collection of the test database that mentions the user: its id or its name (and so
 * its address, username@example.com). Reads the collections the database has, so a future one is covered too.
 */
async function tracesOf(connection: Connection, user: { id: string; username: string }): Promise<string[]> {
  const hits: string[] = [];
  for (const { name } of await connection.db!.listCollections().toArray()) {
    if (name.startsWith('system.')) continue;
    for await (const doc of connection.db!.collection(name).find({})) {
      if (holds(doc, user.id, [user.username.toLowerCase()])) hits.push(`${name}: ${JSON.stringify(doc)}`);
    }
  }
  return hits;
}

describe('account removal (after the grace period, and by an admin)', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let connection: Connection;

  beforeAll(async () => {
    // No grace: a deletion request is due at once, and the next account/sweep starts its removal.
    app = await ctx.startApp({ ACCOUNT_DELETION_GRACE_DAYS: '0' });
    connection = app.get<Connection>(getConnectionToken());
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const settle = () => settleQueues(app, [QUEUES.account.name, ...FOLLOW_UP_QUEUES, QUEUES.notifications.name, QUEUES.mail.name], 40_000);
  const idOf = async (username: string) => (await app.get(UsersService).getByUsername(username))._id.toHexString();
  const upload = async (user: TestUser, bytes: Buffer, shake?: string): Promise<string> => {
    const req = http().post('/api/v1/files').set('Authorization', user.auth);
    if (shake) req.field('shake', shake);
    return (await req.attach('file', bytes, { filename: 'a.png', contentType: 'image/png' }).expect(201)).body.key as string;
  };
  const counts = async (key: string) => (await http().get(`/api/v1/files/${key}`).expect(200)).body.counts as Record<string, number>;
  const shake = async (name: string) => (await http().get(`/api/v1/shakes/${name}`).expect(200)).body;
  const storedKeyOf = async (key: string): Promise<string> => {
    const post = await connection.collection('shared_files').findOne({ key });
    return (await connection.collection('source_files').findOne({ _id: post!.sourceId }))!.storageKey as string;
  };
  const sweep = async () => {
    await app.get(JobProducer).sendNow('account/sweep', {});
    await settle();
  };

  it('removes everything of the account once its grace period is over; others keep their files and their counts are right', async () => {
    const [alice, bob, carol, dave] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    const aliceId = await idOf(alice.username);

    // Alice's own things: an upload nobody shares, one Bob saves, a group shake with a manager and one without.
    const lonely = await upload(alice, await png(9, 9, randomColor()));
    const shared = await upload(alice, await png(9, 9, randomColor()));
    const withManager = `g${alice.username.slice(1, 8)}m`;
    const alone = `g${alice.username.slice(1, 8)}a`;
    for (const name of [withManager, alone]) {
      await http().post('/api/v1/shakes').set('Authorization', alice.auth).send({ name, title: name }).expect(201);
    }
    await http().put(`/api/v1/shakes/${withManager}/managers/${dave.username}`).set('Authorization', alice.auth).expect(200);
    const inAlone = await upload(alice, await png(9, 9, randomColor()), alone);
    const davesInShake = await upload(dave, await png(9, 9, randomColor()), withManager);

    // What Alice did to others: Carol's file liked, saved, commented; Carol followed; a post in Carol's group shake.
    const carols = await upload(carol, await png(9, 9, randomColor()));
    const carolsShake = `g${carol.username.slice(1, 8)}c`;
    await http().post('/api/v1/shakes').set('Authorization', carol.auth).send({ name: carolsShake, title: 'c' }).expect(201);
    await http().put(`/api/v1/shakes/${carolsShake}/managers/${alice.username}`).set('Authorization', carol.auth).expect(200);
    await upload(alice, await png(9, 9, randomColor()), carolsShake);
    await http().put(`/api/v1/files/${carols}/like`).set('Authorization', alice.auth).expect(204);
    await http().post(`/api/v1/files/${carols}/save`).set('Authorization', alice.auth).send({}).expect(201);
    await http().post(`/api/v1/files/${carols}/comments`).set('Authorization', alice.auth).send({ body: 'nice' }).expect(201);
    await http().put(`/api/v1/shakes/${carol.username}/follow`).set('Authorization', alice.auth).expect(204);
    await http().put(`/api/v1/shakes/${withManager}/follow`).set('Authorization', carol.auth).expect(204);

    // What others did to Alice: Bob saves, likes and comments, and follows her.
    const bobsCopy = (await http().post(`/api/v1/files/${shared}/save`).set('Authorization', bob.auth).send({}).expect(201)).body
      .key as string;
    await http().put(`/api/v1/files/${lonely}/like`).set('Authorization', bob.auth).expect(204);
    await http().post(`/api/v1/files/${lonely}/comments`).set('Authorization', bob.auth).send({ body: 'hi' }).expect(201);
    await http().put(`/api/v1/shakes/${alice.username}/follow`).set('Authorization', bob.auth).expect(204);

    // Records of her account: an export (a zip in storage), a password change (its mail's sent record).
    await http().post('/api/v1/me/export').set('Authorization', alice.auth).expect(202);
    const newPassword = `${alice.password}-new`;
    await http()
      .post('/api/v1/me/password')
      .set('Authorization', alice.auth)
      .send({ currentPassword: alice.password, newPassword })
      .expect(204);
    await settle();

    expect(await counts(carols)).toMatchObject({ likes: 1, saves: 1, comments: 1 });
    expect((await shake(carol.username)).followerCount).toBe(1);
    expect((await shake(carolsShake)).fileCount).toBe(1);
    const lonelyBytes = await storedKeyOf(lonely);
    const sharedBytes = await storedKeyOf(shared);
    expect(await tracesOf(connection, { id: aliceId, username: alice.username })).not.toEqual([]);

    await http().delete('/api/v1/me').set('Authorization', alice.auth).send({ password: newPassword }).expect(204);
    await sweep();

    expect(await tracesOf(connection, { id: aliceId, username: alice.username })).toEqual([]);

    // Her bytes are gone unless shared: Bob's copy is still served, byte for byte.
    const storage = app.get<StorageDriver>(STORAGE_DRIVER);
    expect(await storage.stat(lonelyBytes)).toBeNull();
    expect(await storage.stat(sharedBytes)).not.toBeNull();
    const copy = await http().get(`/api/v1/files/${bobsCopy}/raw`).expect(200);
    expect(Buffer.compare(copy.body as Buffer, await readAll(await storage.read(sharedBytes)))).toBe(0);
    expect((await http().get(`/api/v1/files/${bobsCopy}`).expect(200)).body.savedFrom).toBe(shared);

    // Her public pages answer 404.
    for (const key of [lonely, shared, inAlone]) {
      await http().get(`/api/v1/files/${key}`).expect(404);
      await http().get(`/api/v1/files/${key}/raw`).expect(404);
      await http().get(`/p/${key}`).expect(404);
    }
    await http().get(`/api/v1/users/${alice.username}`).expect(404);
    await http().get(`/${alice.username}`).expect(404);
    await http().get(`/api/v1/shakes/${alice.username}`).expect(404);
    await http().post('/api/v1/auth/login').send({ login: alice.username, password: newPassword }).expect(401);

    // Others' counters are right again; the managed group shake went to Dave, with his post and Carol's follow.
    expect(await counts(carols)).toMatchObject({ likes: 0, saves: 0, comments: 0 });
    expect((await shake(carol.username)).followerCount).toBe(0);
    expect(await shake(carolsShake)).toMatchObject({ fileCount: 0, managers: [] });
    expect(await shake(withManager)).toMatchObject({ owner: { username: dave.username }, managers: [], fileCount: 1, followerCount: 1 });
    await http().get(`/api/v1/files/${davesInShake}`).expect(200);
    await http().get(`/api/v1/shakes/${alone}`).expect(404);
    const following = (await http().get('/api/v1/me/following').set('Authorization', bob.auth).expect(200)).body.items as unknown[];
    expect(following).toEqual([]);

    // Running the removal or the sweep again changes nothing; the name is free again.
    expect(await app.get(AccountRemovalService).remove(new Types.ObjectId(aliceId))).toBeNull();
    await sweep();
    expect(await counts(carols)).toMatchObject({ likes: 0, saves: 0, comments: 0 });
    expect((await shake(withManager)).owner.username).toBe(dave.username);
    await ctx.newUser(app, alice.username);
  });

  it('lets an admin delete an account at once (not their own), with the same removal', async () => {
    const admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    const erin = await ctx.newUser(app);
    await makeAdmin(app, erin.username);
    const erinId = await idOf(erin.username);
    const key = await upload(erin, await png(9, 9, randomColor()));
    await http().post('/api/v1/admin/invites').set('Authorization', erin.auth).send({}).expect(201);
    const bob = await ctx.newUser(app);

    await http().delete(`/api/v1/admin/users/${erin.username}`).set('Authorization', bob.auth).expect(403);
    await http().delete('/api/v1/admin/users/nobody-here').set('Authorization', admin.auth).expect(404);
    const self = await http().delete(`/api/v1/admin/users/${admin.username}`).set('Authorization', admin.auth).expect(409);
    expect(self.body).toMatchObject({ statusCode: 409, message: expect.stringContaining('DELETE /api/v1/me') });

    await http().delete(`/api/v1/admin/users/${erin.username}`).set('Authorization', admin.auth).expect(204);
    // Gone from every route at once, before the job has run; no grace: signing in does not bring it back.
    await http().get('/api/v1/me').set('Authorization', erin.auth).expect(401);
    await http().get(`/api/v1/users/${erin.username}`).expect(404);
    await http().get(`/api/v1/files/${key}`).expect(404);
    await http().post('/api/v1/auth/login').send({ login: erin.username, password: erin.password }).expect(401);
    await settle();

    expect(await tracesOf(connection, { id: erinId, username: erin.username })).toEqual([]);
    await http().delete(`/api/v1/admin/users/${erin.username}`).set('Authorization', admin.auth).expect(404);
    await http().get(`/api/v1/users/${admin.username}`).expect(200);
  });

  it('lets nothing bring back an account whose removal has started, and an admin may delete it again', async () => {
    const admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    const frank = await ctx.newUser(app);
    const users = app.get(UsersService);
    // Its removal started (as the sweep starts it), its job not run yet.
    await users.startRemoval((await users.getByUsername(frank.username))._id);
    const enable = await http().patch(`/api/v1/admin/users/${frank.username}`).set('Authorization', admin.auth).send({ disabled: false });
    expect(enable.status).toBe(409);
    await http().post('/api/v1/auth/login').send({ login: frank.username, password: frank.password }).expect(401);
    await http().delete(`/api/v1/admin/users/${frank.username}`).set('Authorization', admin.auth).expect(204);
    await settle();
    await http().get(`/api/v1/users/${frank.username}`).expect(404);
    expect(await users.findByUsername(frank.username)).toBeNull();
  });
});

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
