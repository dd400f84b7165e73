import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { Comment } from '../../src/social/comments/comment.schema';
import type { Like } from '../../src/social/likes/like.schema';
import { makeAdmin } from '../harness/admins';
import { settleSocialJobs } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

const ACTORS = ['anonymous', 'stranger', 'owner', 'manager', 'admin'] as const;
type Actor = (typeof ACTORS)[number];

/** Per case: a fresh file of `owner` with a comment of `bystander` (and, where a route needs one, a file of `bystander`). */
interface Fixture {
  key: string;
  bystanderKey: string;
  shake: string;
  commentId: string;
}

interface State {
  likes: number;
  comments: number;
  posts: number;
  live: number;
}

interface Route {
  route: string;
  method: 'post' | 'patch' | 'delete' | 'put';
  path: (f: Fixture) => string;
  body?: (f: Fixture) => Record<string, unknown>;
  expected: Record<Actor, number>;
  setup?: (f: Fixture, caller: TestUser | undefined) => Promise<Partial<Fixture> | void>;
  applied?: (before: State, after: State) => void;
}

describe('permission matrix of the file social routes', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let likes: Model<Like>;
  let comments: Model<Comment>;
  let posts: Model<SharedFile>;
  const users = {} as Record<Exclude<Actor, 'anonymous'> | 'bystander', TestUser>;
  /** A group shake of `owner` run by `manager`. */
  let groupShake: string;

  beforeAll(async () => {
    app = await ctx.startApp({ GROUP_SHAKES_PER_USER: '1000' });
    likes = app.get(getModelToken('Like'));
    comments = app.get(getModelToken('Comment'));
    posts = app.get(getModelToken('SharedFile'));
    for (const role of ['stranger', 'owner', 'manager', 'admin', 'bystander'] as const) users[role] = await ctx.newUser(app);
    await makeAdmin(app, users.admin.username);
    groupShake = `p${Math.random().toString(36).slice(2, 9)}`;
    await http().post('/api/v1/shakes').set(as(users.owner)).send({ name: groupShake, title: 'T' }).expect(201);
    await http().put(`/api/v1/shakes/${groupShake}/managers/${users.manager.username}`).set(as(users.owner)).expect(200);
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const as = (user: TestUser) => ({ Authorization: user.auth });

  const newFixture = async (): Promise<Fixture> => {
    const { key } = await uploadAs(app, users.owner);
    const comment = await http()
      .post(`/api/v1/files/${key}/comments`)
      .set(as(users.bystander))
      .send({ body: 'by a bystander' })
      .expect(201);
    return { key, bystanderKey: key, shake: groupShake, commentId: comment.body.id };
  };

  const stateOf = async (f: Fixture): Promise<State> => {
    const ids = await posts.distinct('_id', { key: { $in: [f.key, f.bystanderKey] } });
    return {
      likes: await likes.countDocuments({ sharedFileId: { $in: ids } }),
      comments: await comments.countDocuments({ sharedFileId: { $in: ids } }),
      posts: await posts.countDocuments({ $or: [{ _id: { $in: ids } }, { parentId: { $in: ids } }] }),
      live: await posts.countDocuments({ $or: [{ _id: { $in: ids } }, { parentId: { $in: ids } }], deletedAt: null }),
    };
  };

  const ROUTES: Route[] = [
    {
      route: 'PUT /files/:key/like',
      method: 'put',
      path: (f) => `/api/v1/files/${f.key}/like`,
      expected: { anonymous: 401, stranger: 204, owner: 409, manager: 204, admin: 204 },
      applied: (before, after) => expect(after.likes).toBe(before.likes + 1),
    },
    {
      route: 'DELETE /files/:key/like',
      method: 'delete',
      path: (f) => `/api/v1/files/${f.key}/like`,
      setup: async (f, caller) => {
        if (caller && caller !== users.owner) await http().put(`/api/v1/files/${f.key}/like`).set(as(caller)).expect(204);
      },
      expected: { anonymous: 401, stranger: 204, owner: 204, manager: 204, admin: 204 },
      applied: (_, after) => expect(after.likes).toBe(0),
    },
    {
      route: 'POST /files/:key/save',
      method: 'post',
      path: (f) => `/api/v1/files/${f.key}/save`,
      body: () => ({}),
      expected: { anonymous: 401, stranger: 201, owner: 409, manager: 201, admin: 201 },
      applied: (before, after) => expect(after.posts).toBe(before.posts + 1),
    },
    {
      route: "POST /files/:key/save into a group shake (another user's file)",
      method: 'post',
      path: (f) => `/api/v1/files/${f.bystanderKey}/save`,
      body: (f) => ({ shake: f.shake }),
      setup: async () => ({ bystanderKey: (await uploadAs(app, users.bystander)).key }),
      expected: { anonymous: 401, stranger: 403, owner: 201, manager: 201, admin: 403 },
      applied: (before, after) => expect(after.posts).toBe(before.posts + 1),
    },
    {
      route: 'POST /files/:key/comments',
      method: 'post',
      path: (f) => `/api/v1/files/${f.key}/comments`,
      body: () => ({ body: 'hello' }),
      expected: { anonymous: 401, stranger: 201, owner: 201, manager: 201, admin: 201 },
      applied: (before, after) => expect(after.comments).toBe(before.comments + 1),
    },
    {
      route: "DELETE /comments/:id (someone else's comment)",
      method: 'delete',
      path: (f) => `/api/v1/comments/${f.commentId}`,
      expected: { anonymous: 401, stranger: 403, owner: 204, manager: 403, admin: 204 },
      applied: (before, after) => expect(after.comments).toBe(before.comments - 1),
    },
    {
      route: "DELETE /comments/:id (the caller's own comment)",
      method: 'delete',
      path: (f) => `/api/v1/comments/${f.commentId}`,
      setup: async (f, caller) => {
        if (!caller) return;
        const res = await http().post(`/api/v1/files/${f.key}/comments`).set(as(caller)).send({ body: 'mine' }).expect(201);
        return { commentId: res.body.id };
      },
      expected: { anonymous: 401, stranger: 204, owner: 204, manager: 204, admin: 204 },
      applied: (before, after) => expect(after.comments).toBe(before.comments - 1),
    },
    {
      route: 'PATCH /files/:key',
      method: 'patch',
      path: (f) => `/api/v1/files/${f.key}`,
      body: () => ({ title: 'Changed' }),
      expected: { anonymous: 401, stranger: 403, owner: 200, manager: 403, admin: 403 },
    },
    {
      route: 'DELETE /files/:key',
      method: 'delete',
      path: (f) => `/api/v1/files/${f.key}`,
      expected: { anonymous: 401, stranger: 403, owner: 204, manager: 403, admin: 204 },
      applied: (before, after) => expect(after.live).toBe(before.live - 1),
    },
  ];

  const cases = ROUTES.flatMap((route) => ACTORS.map((actor) => [route.route, actor, route.expected[actor], route] as const));

  it.each(cases)('%s as %s → %i', async (_, actor, status, route) => {
    let fixture = await newFixture();
    const caller = actor === 'anonymous' ? undefined : users[actor];
    fixture = { ...fixture, ...((await route.setup?.(fixture, caller)) ?? {}) };
    await settleSocialJobs(app);
    const before = await stateOf(fixture);

    const request = http()[route.method](route.path(fixture));
    if (caller) request.set(as(caller));
    const res = await request.send(route.body?.(fixture));
    expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });

    await settleSocialJobs(app);
    const after = await stateOf(fixture);
    if (status >= 400) {
      expect(res.body).toMatchObject({ statusCode: status, message: expect.anything() });
      expect(after).toEqual(before);
    } else {
      route.applied?.(before, after);
    }
  });
});
