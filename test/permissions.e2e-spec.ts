import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model, Types } from 'mongoose';
import type { Follow } from '../src/shakes/schemas/follow.schema';
import type { Shake } from '../src/shakes/schemas/shake.schema';
import { makeAdmin } from './harness/admins';
import { settleSocialJobs } from './harness/jobs';
import { TestContext, type TestUser } from './harness/test-app';

const ACTORS = ['anonymous', 'stranger', 'owner', 'manager', 'admin'] as const;
type Actor = (typeof ACTORS)[number];

/** A fresh group shake per case (owned by `owner`, run with `manager`), so no case sees another's changes. */
interface Fixture {
  shake: string;
  userShake: string;
  manager: string;
  bystander: string;
}

interface State {
  shake: Record<string, unknown> | null;
  userShake: Record<string, unknown> | null;
  follows: number;
  shakes: number;
}

interface Route {
  route: string;
  method: 'post' | 'patch' | 'delete' | 'put';
  path: (f: Fixture) => string;
  body?: () => Record<string, unknown>;
  expected: Record<Actor, number>;
  /** Prepares what the call acts on, e.g. a follow to remove. */
  setup?: (f: Fixture, caller: TestUser | undefined) => Promise<void>;
  /** What a 2xx must have changed. */
  applied?: (before: State, after: State, f: Fixture) => void;
}

describe('permission matrix of every mutating route', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let shakes: Model<Shake>;
  let follows: Model<Follow>;
  const users = {} as Record<Exclude<Actor, 'anonymous'> | 'bystander', TestUser>;

  beforeAll(async () => {
    app = await ctx.startApp({ GROUP_SHAKES_PER_USER: '1000' }); // the owner makes a shake per case
    shakes = app.get(getModelToken('Shake'));
    follows = app.get(getModelToken('Follow'));
    for (const role of ['stranger', 'owner', 'manager', 'admin', 'bystander'] as const) users[role] = await ctx.newUser(app);
    await makeAdmin(app, users.admin.username);
  });
  afterAll(() => ctx.close());

  const http = () => ctx.http(app);
  const unique = (base: string) => `${base}${Math.random().toString(36).slice(2, 8)}`;
  const follow = (user: TestUser, shake: string) => http().put(`/api/v1/shakes/${shake}/follow`).set('Authorization', user.auth);

  const newFixture = async (): Promise<Fixture> => {
    const shake = unique('perm');
    await http().post('/api/v1/shakes').set('Authorization', users.owner.auth).send({ name: shake, title: 'Before' }).expect(201);
    await http().put(`/api/v1/shakes/${shake}/managers/${users.manager.username}`).set('Authorization', users.owner.auth).expect(200);
    return { shake, userShake: users.owner.username, manager: users.manager.username, bystander: users.bystander.username };
  };

  const stateOf = async (f: Fixture): Promise<State> => {
    const [shake, userShake] = await Promise.all(
      [f.shake, f.userShake].map((name) => shakes.findOne({ nameLower: name.toLowerCase() }).lean()),
    );
    const shakeIds = [shake?._id, userShake?._id].filter((id): id is Types.ObjectId => id !== undefined);
    return {
      shake: shake as Record<string, unknown> | null,
      userShake: userShake as Record<string, unknown> | null,
      follows: await follows.countDocuments({ shakeId: { $in: shakeIds } }),
      shakes: await shakes.countDocuments(),
    };
  };

  const managersOf = (state: State) => ((state.shake?.managerIds as Types.ObjectId[]) ?? []).map(String);

  const ROUTES: Route[] = [
    {
      route: 'POST /shakes',
      method: 'post',
      path: () => '/api/v1/shakes',
      body: () => ({ name: unique('new'), title: 'New' }),
      expected: { anonymous: 401, stranger: 201, owner: 201, manager: 201, admin: 201 },
      applied: (before, after) => expect(after.shakes).toBe(before.shakes + 1),
    },
    {
      route: 'PATCH /shakes/:name',
      method: 'patch',
      path: (f) => `/api/v1/shakes/${f.shake}`,
      body: () => ({ title: 'After' }),
      expected: { anonymous: 401, stranger: 403, owner: 200, manager: 403, admin: 200 },
      applied: (_, after) => expect(after.shake?.title).toBe('After'),
    },
    {
      route: 'PATCH /shakes/:name (a user shake)',
      method: 'patch',
      path: (f) => `/api/v1/shakes/${f.userShake}`,
      body: () => ({ description: 'Changed' }),
      expected: { anonymous: 401, stranger: 403, owner: 200, manager: 403, admin: 200 },
      applied: (_, after) => expect(after.userShake?.description).toBe('Changed'),
    },
    {
      route: 'DELETE /shakes/:name',
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.shake}`,
      expected: { anonymous: 401, stranger: 403, owner: 204, manager: 403, admin: 204 },
      applied: (_, after) => expect(after.shake).toBeNull(),
    },
    {
      route: 'DELETE /shakes/:name (a user shake)',
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.userShake}`,
      expected: { anonymous: 401, stranger: 403, owner: 409, manager: 403, admin: 409 },
    },
    {
      route: 'PUT /shakes/:name/managers/:username',
      method: 'put',
      path: (f) => `/api/v1/shakes/${f.shake}/managers/${f.bystander}`,
      expected: { anonymous: 401, stranger: 403, owner: 200, manager: 403, admin: 403 },
      applied: (before, after) => expect(managersOf(after)).toHaveLength(managersOf(before).length + 1),
    },
    {
      route: 'DELETE /shakes/:name/managers/:username',
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.shake}/managers/${f.manager}`,
      expected: { anonymous: 401, stranger: 403, owner: 200, manager: 403, admin: 403 },
      applied: (_, after) => expect(managersOf(after)).toEqual([]),
    },
    {
      route: 'PUT /shakes/:name/follow',
      method: 'put',
      path: (f) => `/api/v1/shakes/${f.shake}/follow`,
      expected: { anonymous: 401, stranger: 204, owner: 409, manager: 204, admin: 204 },
      applied: (before, after) => {
        expect(after.follows).toBe(before.follows + 1);
        expect(after.shake?.followerCount).toBe(1);
      },
    },
    {
      route: 'DELETE /shakes/:name/follow',
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.shake}/follow`,
      setup: async (f, caller) => {
        if (caller && caller !== users.owner) await follow(caller, f.shake).expect(204);
      },
      expected: { anonymous: 401, stranger: 204, owner: 204, manager: 204, admin: 204 },
      applied: (_, after) => {
        expect(after.follows).toBe(0);
        expect(after.shake?.followerCount).toBe(0);
      },
    },
    {
      route: 'POST /admin/recount',
      method: 'post',
      path: () => '/api/v1/admin/recount',
      expected: { anonymous: 401, stranger: 403, owner: 403, manager: 403, admin: 202 },
    },
    {
      route: 'POST /notifications/read',
      method: 'post',
      path: () => '/api/v1/notifications/read',
      body: () => ({}),
      expected: { anonymous: 401, stranger: 200, owner: 200, manager: 200, admin: 200 },
    },
  ];

  const cases = ROUTES.flatMap((route) => ACTORS.map((actor) => [route.route, actor, route.expected[actor], route] as const));

  it.each(cases)('%s as %s → %i', async (_, actor, status, route) => {
    const fixture = await newFixture();
    const caller = actor === 'anonymous' ? undefined : users[actor];
    await route.setup?.(fixture, caller);
    await settleSocialJobs(app);
    const before = await stateOf(fixture);

    const request = http()[route.method](route.path(fixture));
    if (caller) request.set('Authorization', caller.auth);
    const res = await request.send(route.body?.());
    expect({ status: res.status, body: res.body }).toEqual({ status, body: expect.anything() });

    await settleSocialJobs(app);
    const after = await stateOf(fixture);
    if (status >= 400) {
      expect(res.body).toMatchObject({ statusCode: status, message: expect.anything() });
      expect(after).toEqual(before);
    } else {
      route.applied?.(before, after, fixture);
    }
  });
});
