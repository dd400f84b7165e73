import type { Type } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type RouteAccess, routeAccessOf } from '../../src/auth/route-access.check';
import { QUEUES } from '../../src/jobs/queues';
import { UsersService } from '../../src/users/users.service';
import { makeAdmin } from '../harness/admins';
import { databaseFingerprint } from '../harness/db-snapshot';
import { png, randomColor } from '../harness/images';
import { settleQueues } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

/**
 * The authorization matrix, generated from the route table: every route the Nest router serves, with the access
 * it declares (@Public, @Authenticated, @AdminOnly) and the token scope it needs, × every kind of caller.
 * The expected status follows from that declaration and, for the callers the guard lets through, from the small
 * table of ownership rules below; a route missing from the table fails the run, so a new route is covered (or
 * the build is red) from the day it exists. Every refusal must leave the database as it was.
 */

const IDENTITIES = ['anonymous', 'stranger', 'owner', 'manager', 'admin', 'disabled', 'revoked', 'uploadOnly'] as const;
type Identity = (typeof IDENTITIES)[number];
/** The callers the guard lets through with a full token: what they may do is the route's own rule. */
type Member = 'stranger' | 'owner' | 'manager' | 'admin';
const MEMBERS: Member[] = ['stranger', 'owner', 'manager', 'admin'];

/** What each caller gets once past the guard (anonymous too, on a public route). */
type Outcome = Partial<Record<Member | 'anonymous', number>>;

/** The ids every route acts on, made once; `fresh` ones are remade for each case that is expected to succeed. */
interface Fixture {
  post: string;
  groupShake: string;
  userShake: string;
  commentId: string;
  tokenId: string;
  inviteId: string;
  exportId: string;
  bystanderPost: string;
  bystander: string;
  manager: string;
  /** An account made to be deleted by the case (DELETE /admin/users/:username). */
  victim?: string;
  /** The caller of the case, when the rule acts on the caller's own account (its password, its token). */
  caller?: TestUser;
}

interface Rule {
  method: 'post' | 'put' | 'patch' | 'delete' | 'get';
  path: (f: Fixture) => string;
  body?: (f: Fixture) => Record<string, unknown>;
  outcome: Outcome;
  /** Remakes what a success consumes (a deleted post, a removed manager) before each case that succeeds. */
  fresh?: (f: Fixture, who: Member | 'anonymous') => Promise<Partial<Fixture>>;
  /**
   * `account`: each success runs as a new account of the caller's kind (the route changes the caller's account for
   * good); `token`: with a new token of the caller (the route revokes the token it is called with).
   */
  caller?: 'account' | 'token';
  /** After a success: what should have changed, read back; a string says what did not. */
  applied?: (f: Fixture, body: Record<string, unknown>, header: string | undefined) => Promise<string | undefined>;
  /** Multipart upload instead of a JSON body. */
  upload?: boolean;
  /** For a read of private data: strings of the owner's that no one else may see in the answer. */
  privateOf?: (f: Fixture) => string[];
}

/** Every signed-in caller acts on their own account and gets the same. */
const self = (status: number): Outcome => ({ stranger: status, owner: status, manager: status, admin: status });
/** Anyone, signed in or not. */
const everyone = (status: number): Outcome => ({ anonymous: status, ...self(status) });
const adminOnly = (status: number): Outcome => ({ admin: status });

/** The status a caller must get: the route's declared access first, the ownership rule for those it admits. */
export function expectedStatus(route: RouteAccess, outcome: Outcome, who: Identity): number | undefined {
  if (who === 'revoked' || who === 'disabled') return 401;
  if (who === 'anonymous') return route.access === 'public' ? outcome.anonymous : 401;
  if (who === 'uploadOnly') return route.scope === 'files:write' ? outcome.owner : 403;
  if (route.access === 'admin' && who !== 'admin') return 403;
  return outcome[who];
}

const unique = (base: string) => `${base}${Math.random().toString(36).slice(2, 9)}`;

describe('Authorization matrix of every route × every kind of caller', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  const users = {} as Record<Member | 'bystander' | 'disabled', TestUser>;
  const auth = {} as Record<Exclude<Identity, 'anonymous'>, string>;
  let fixture: Fixture;
  let routes: RouteAccess[];
  const http = () => ctx.http(app);
  const as = (user: TestUser) => ({ Authorization: user.auth });

  const newGroupShake = async (manager?: TestUser): Promise<string> => {
    const name = unique('g');
    await http().post('/api/v1/shakes').set(as(users.owner)).send({ name, title: 'Group' }).expect(201);
    if (manager) await http().put(`/api/v1/shakes/${name}/managers/${manager.username}`).set(as(users.owner)).expect(200);
    return name;
  };
  const newComment = async (post: string, by: TestUser): Promise<string> =>
    (await http().post(`/api/v1/files/${post}/comments`).set(as(by)).send({ body: 'a comment' }).expect(201)).body.id as string;
  const newToken = async (user: TestUser, scopes?: string[]): Promise<{ id: string; token: string }> =>
    (
      await http()
        .post('/api/v1/me/tokens')
        .set(as(user))
        .send({ name: unique('t'), scopes })
        .expect(201)
    ).body as { id: string; token: string };
  const newInvite = async (): Promise<string> =>
    (await http().post('/api/v1/admin/invites').set(as(users.admin)).send({}).expect(201)).body.id as string;
  /** A new account of this kind, for the routes that change the caller's account for good. */
  const newAccountLike = async (who: Member): Promise<TestUser> => {
    const user = await ctx.newUser(app);
    if (who === 'admin') await makeAdmin(app, user.username);
    if (who === 'manager') await newGroupShake(user);
    return user;
  };

  const shake = async (name: string) => (await http().get(`/api/v1/shakes/${name}`).expect(200)).body as Record<string, unknown>;
  const managersOf = (body: Record<string, unknown>) => (body.managers as { username: string }[]).map((user) => user.username);
  const followers = async (name: string) =>
    ((await http().get(`/api/v1/shakes/${name}/followers`).expect(200)).body.items as { user: { username: string } }[]).map(
      (item) => item.user.username,
    );
  const viewerOf = async (key: string, user: TestUser) =>
    (await http().get(`/api/v1/files/${key}`).set(as(user)).expect(200)).body.viewer as { liked: boolean };
  const commentsOf = async (key: string) =>
    ((await http().get(`/api/v1/files/${key}/comments`).expect(200)).body.items as { id: string }[]).map((comment) => comment.id);

  /** Who may do what, route by route: `Controller.method` as the router names it. */
  const RULES: Record<string, Rule> = {
    // Public: the same for everyone the guard lets through (a dead or limited token is the guard's business).
    'AuthController.register': {
      method: 'post',
      path: () => '/api/v1/auth/register',
      body: () => {
        const username = unique('r');
        return { username, email: `${username}@example.com`, password: 'correct horse battery' };
      },
      outcome: everyone(201),
      fresh: async () => ({}),
    },
    'AuthController.login': {
      method: 'post',
      path: () => '/api/v1/auth/login',
      body: () => ({ login: users.bystander.username, password: users.bystander.password }),
      outcome: everyone(200),
      fresh: async () => ({}),
    },
    'AuthController.verifyEmail': {
      method: 'post',
      path: () => '/api/v1/auth/verify-email',
      body: () => ({ token: `mle_${'x'.repeat(43)}` }),
      outcome: everyone(400),
    },
    'AuthController.requestPasswordReset': {
      method: 'post',
      path: () => '/api/v1/auth/password-reset',
      body: () => ({ email: `${users.bystander.username}@example.com` }),
      outcome: everyone(202),
      fresh: async () => ({}),
    },
    'AuthController.confirmPasswordReset': {
      method: 'post',
      path: () => '/api/v1/auth/password-reset/confirm',
      body: () => ({ token: `mlr_${'x'.repeat(43)}`, password: 'correct horse battery' }),
      outcome: everyone(400),
    },
    'AccountPagesController.verify': {
      method: 'post',
      path: () => '/account/verify-email',
      body: () => ({ token: `mle_${'x'.repeat(43)}` }),
      outcome: everyone(400),
    },
    'AccountPagesController.reset': {
      method: 'post',
      path: () => '/account/reset-password',
      body: () => ({ token: `mlr_${'x'.repeat(43)}`, password: 'correct horse battery', confirm: 'correct horse battery' }),
      outcome: everyone(400),
    },
    'UnsubscribeController.unsubscribe': {
      method: 'post',
      path: () => '/account/unsubscribe?token=000000000000000000000000.all.bad',
      outcome: everyone(400),
    },

    // The caller's own account.
    'AuthController.logout': {
      method: 'post',
      path: () => '/api/v1/auth/logout',
      outcome: self(204),
      caller: 'token',
      applied: async (_, __, header) =>
        (await http().get('/api/v1/me').set('Authorization', header!)).status === 401 ? undefined : 'the token still works',
    },
    'AuthController.resendVerification': {
      method: 'post',
      path: () => '/api/v1/auth/verify-email/resend',
      outcome: self(202),
    },
    'MeController.update': {
      method: 'patch',
      path: () => '/api/v1/me',
      body: () => ({ showNsfw: false }),
      outcome: self(200),
      fresh: async () => ({}),
    },
    'MeController.requestDeletion': {
      method: 'delete',
      path: () => '/api/v1/me',
      body: (f) => ({ password: f.caller?.password ?? 'x' }),
      outcome: self(204),
      caller: 'account',
    },
    'MeController.createToken': {
      method: 'post',
      path: () => '/api/v1/me/tokens',
      body: () => ({ name: 'matrix' }),
      outcome: self(201),
      fresh: async () => ({}),
    },
    'MeController.revokeToken': {
      method: 'delete',
      path: (f) => `/api/v1/me/tokens/${f.tokenId}`,
      outcome: { stranger: 404, owner: 204, manager: 404, admin: 404 },
      fresh: async () => ({ tokenId: (await newToken(users.owner)).id }),
      applied: async (f) =>
        (await http().get('/api/v1/me/tokens').set(as(users.owner))).text.includes(f.tokenId) ? 'still listed' : undefined,
    },
    'MeController.changePassword': {
      method: 'post',
      path: () => '/api/v1/me/password',
      body: (f) => ({ currentPassword: f.caller?.password ?? 'x', newPassword: 'another horse battery' }),
      outcome: self(204),
      caller: 'account',
    },
    'MeController.changeEmail': {
      method: 'post',
      path: () => '/api/v1/me/email',
      body: (f) => ({ password: f.caller?.password ?? 'x', email: `${unique('e')}@example.com` }),
      outcome: self(202),
    },
    'NotificationsController.markRead': {
      method: 'post',
      path: () => '/api/v1/notifications/read',
      body: () => ({}),
      outcome: self(200),
      fresh: async () => ({}),
    },
    'ExportsController.request': { method: 'post', path: () => '/api/v1/me/export', outcome: self(202), caller: 'account' },

    // Shakes: a group shake of the owner, run with the manager.
    'ShakesController.create': {
      method: 'post',
      path: () => '/api/v1/shakes',
      body: () => ({ name: unique('n'), title: 'New' }),
      outcome: self(201),
      fresh: async () => ({}),
    },
    'ShakesController.update': {
      method: 'patch',
      path: (f) => `/api/v1/shakes/${f.groupShake}`,
      body: () => ({ title: 'After' }),
      outcome: { stranger: 403, owner: 200, manager: 403, admin: 200 },
      fresh: async () => ({}),
      applied: async (f) => ((await shake(f.groupShake)).title === 'After' ? undefined : 'the title is unchanged'),
    },
    'ShakesController.delete': {
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.groupShake}`,
      outcome: { stranger: 403, owner: 204, manager: 403, admin: 204 },
      fresh: async () => ({ groupShake: await newGroupShake(users.manager) }),
      applied: async (f) => ((await http().get(`/api/v1/shakes/${f.groupShake}`)).status === 404 ? undefined : 'the shake is still there'),
    },
    'ShakesController.addManager': {
      method: 'put',
      path: (f) => `/api/v1/shakes/${f.groupShake}/managers/${f.bystander}`,
      outcome: { stranger: 403, owner: 200, manager: 403, admin: 403 },
      fresh: async () => ({ groupShake: await newGroupShake(users.manager) }),
      applied: async (f) => (managersOf(await shake(f.groupShake)).includes(f.bystander) ? undefined : 'not a manager'),
    },
    'ShakesController.removeManager': {
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.groupShake}/managers/${f.manager}`,
      outcome: { stranger: 403, owner: 200, manager: 403, admin: 403 },
      fresh: async () => ({ groupShake: await newGroupShake(users.manager) }),
      applied: async (f) => (managersOf(await shake(f.groupShake)).includes(f.manager) ? 'still a manager' : undefined),
    },
    'FollowsController.follow': {
      method: 'put',
      path: (f) => `/api/v1/shakes/${f.groupShake}/follow`,
      outcome: { stranger: 204, owner: 409, manager: 204, admin: 204 },
      fresh: async () => ({ groupShake: await newGroupShake(users.manager) }),
      applied: async (f) => ((await followers(f.groupShake)).includes(f.caller!.username) ? undefined : 'not among the followers'),
    },
    'FollowsController.unfollow': {
      method: 'delete',
      path: (f) => `/api/v1/shakes/${f.groupShake}/follow`,
      outcome: self(204),
      fresh: async (_, who) => {
        const groupShake = await newGroupShake(users.manager);
        if (who !== 'owner' && who !== 'anonymous') await http().put(`/api/v1/shakes/${groupShake}/follow`).set(as(users[who])).expect(204);
        return { groupShake };
      },
      applied: async (f) => ((await followers(f.groupShake)).includes(f.caller!.username) ? 'still among the followers' : undefined),
    },
    'AdminRecountController.recount': {
      method: 'post',
      path: () => '/api/v1/admin/recount',
      outcome: adminOnly(202),
      fresh: async () => ({}),
    },

    // Posts, likes, saves and comments: a post of the owner with a comment of the bystander on it.
    'FilesController.upload': { method: 'post', path: () => '/api/v1/files', upload: true, outcome: self(201), fresh: async () => ({}) },
    'FilesController.update': {
      method: 'patch',
      path: (f) => `/api/v1/files/${f.post}`,
      body: () => ({ title: 'Changed' }),
      outcome: { stranger: 403, owner: 200, manager: 403, admin: 403 },
      fresh: async () => ({}),
    },
    'FilesController.remove': {
      method: 'delete',
      path: (f) => `/api/v1/files/${f.post}`,
      outcome: { stranger: 403, owner: 204, manager: 403, admin: 204 },
      fresh: async () => ({ post: (await uploadAs(app, users.owner)).key }),
      applied: async (f) => ((await http().get(`/api/v1/files/${f.post}`)).status === 404 ? undefined : 'the post is still served'),
    },
    'LikesController.like': {
      method: 'put',
      path: (f) => `/api/v1/files/${f.post}/like`,
      outcome: { stranger: 204, owner: 409, manager: 204, admin: 204 },
      fresh: async () => ({ post: (await uploadAs(app, users.owner)).key }),
      applied: async (f) => ((await viewerOf(f.post, f.caller!)).liked ? undefined : 'not liked'),
    },
    'LikesController.unlike': {
      method: 'delete',
      path: (f) => `/api/v1/files/${f.post}/like`,
      outcome: self(204),
      fresh: async (f, who) => {
        if (who !== 'owner' && who !== 'anonymous') await http().put(`/api/v1/files/${f.post}/like`).set(as(users[who])).expect(204);
        return {};
      },
      applied: async (f) => ((await viewerOf(f.post, f.caller!)).liked ? 'still liked' : undefined),
    },
    'SavesController.save': {
      method: 'post',
      path: (f) => `/api/v1/files/${f.bystanderPost}/save`,
      body: (f) => ({ shake: f.groupShake }),
      outcome: { stranger: 403, owner: 201, manager: 201, admin: 403 },
      fresh: async () => ({ bystanderPost: (await uploadAs(app, users.bystander)).key }),
      applied: async (_, body) =>
        (await http().get(`/api/v1/shakes/${fixture.groupShake}/files`)).text.includes(String(body.key)) ? undefined : 'not in the shake',
    },
    'CommentsController.create': {
      method: 'post',
      path: (f) => `/api/v1/files/${f.post}/comments`,
      body: () => ({ body: 'hello' }),
      outcome: self(201),
      fresh: async () => ({}),
      applied: async (f, body) => ((await commentsOf(f.post)).includes(String(body.id)) ? undefined : 'not listed'),
    },
    'CommentsController.remove': {
      method: 'delete',
      path: (f) => `/api/v1/comments/${f.commentId}`,
      outcome: { stranger: 403, owner: 204, manager: 403, admin: 204 },
      fresh: async (f) => ({ commentId: await newComment(f.post, users.bystander) }),
      applied: async (f) => ((await commentsOf(f.post)).includes(f.commentId) ? 'still listed' : undefined),
    },

    // Admin only.
    'AdminUsersController.update': {
      method: 'patch',
      path: (f) => `/api/v1/admin/users/${f.bystander}`,
      body: () => ({ role: 'user' }),
      outcome: adminOnly(200),
      fresh: async () => ({}),
    },
    'AdminAccountsController.remove': {
      method: 'delete',
      path: (f) => `/api/v1/admin/users/${f.victim ?? f.bystander}`,
      outcome: adminOnly(204),
      fresh: async () => ({ victim: (await ctx.newUser(app)).username }),
      applied: async (f) => ((await http().get(`/api/v1/users/${f.victim}`)).status === 404 ? undefined : 'the profile is still there'),
    },
    'AdminInvitesController.create': {
      method: 'post',
      path: () => '/api/v1/admin/invites',
      body: () => ({}),
      outcome: adminOnly(201),
      fresh: async () => ({}),
    },
    'AdminInvitesController.revoke': {
      method: 'delete',
      path: (f) => `/api/v1/admin/invites/${f.inviteId}`,
      outcome: adminOnly(204),
      fresh: async () => ({ inviteId: await newInvite() }),
    },
    'AdminSearchController.rebuild': {
      method: 'post',
      path: () => '/api/v1/admin/search/rebuild',
      outcome: adminOnly(202),
      fresh: async () => ({}),
    },
    'AdminSessionController.open': {
      method: 'post',
      path: () => '/api/v1/admin/session',
      outcome: adminOnly(201),
      fresh: async () => ({}),
    },
  };

  /** Reads of private data: each caller sees their own or nothing, never the owner's. */
  const READS: Record<string, Rule> = {
    'MeController.me': { method: 'get', path: () => '/api/v1/me', outcome: self(200), privateOf: () => [users.owner.username] },
    'MeController.listTokens': {
      method: 'get',
      path: () => '/api/v1/me/tokens',
      outcome: self(200),
      privateOf: (f) => [f.tokenId],
    },
    'NotificationsController.list': {
      method: 'get',
      path: () => '/api/v1/notifications',
      outcome: self(200),
      privateOf: () => [users.stranger.username],
    },
    'FollowsController.following': {
      method: 'get',
      path: () => '/api/v1/me/following',
      outcome: self(200),
      privateOf: (f) => [f.bystander],
    },
    'StreamsController.timeline': { method: 'get', path: () => '/api/v1/timeline', outcome: self(200) },
    'ExportsController.describe': {
      method: 'get',
      path: (f) => `/api/v1/me/exports/${f.exportId}`,
      outcome: { stranger: 404, owner: 200, manager: 404, admin: 404 },
    },
    'ExportsController.download': {
      method: 'get',
      path: (f) => `/api/v1/me/exports/${f.exportId}/zip`,
      outcome: { stranger: 404, owner: 200, manager: 404, admin: 404 },
    },
    'UploadClientsController.shareX': {
      method: 'get',
      path: () => '/api/v1/me/clients/sharex',
      outcome: self(200),
    },
    'UploadClientsController.flameshot': {
      method: 'get',
      path: () => '/api/v1/me/clients/flameshot',
      outcome: self(200),
      privateOf: () => [users.owner.username],
    },
    'AdminUsersController.list': { method: 'get', path: () => '/api/v1/admin/users', outcome: adminOnly(200) },
    'AdminInvitesController.list': { method: 'get', path: () => '/api/v1/admin/invites', outcome: adminOnly(200) },
  };

  const isRead = (route: RouteAccess) => ['GET', 'HEAD'].includes(route.method);
  const ruleOf = (route: RouteAccess): Rule | undefined => (isRead(route) ? READS : RULES)[route.route];

  beforeAll(async () => {
    app = await ctx.startApp({ GROUP_SHAKES_PER_USER: '1000', VIEWS_FOLD_INTERVAL_SECONDS: '3600', JOB_RECOVERY_INTERVAL_MS: '3600000' });
    for (const who of [...MEMBERS, 'bystander', 'disabled'] as const) users[who] = await ctx.newUser(app);
    await makeAdmin(app, users.admin.username);
    const usersService = app.get(UsersService);
    // Disabled behind the API's back, so that its token row lives on and the account, not the token, is refused.
    await usersService.update((await usersService.getByUsername(users.disabled.username))._id, { disabled: true });
    for (const who of MEMBERS) auth[who] = users[who].auth;
    auth.disabled = users.disabled.auth;
    const revoked = await newToken(users.owner);
    await http().delete(`/api/v1/me/tokens/${revoked.id}`).set(as(users.owner)).expect(204);
    auth.revoked = `Bearer ${revoked.token}`;
    auth.uploadOnly = `Bearer ${(await newToken(users.owner, ['files:write'])).token}`;

    const post = (await uploadAs(app, users.owner)).key;
    const groupShake = await newGroupShake(users.manager);
    await http().put(`/api/v1/shakes/${groupShake}/follow`).set(as(users.stranger)).expect(204);
    await http().put(`/api/v1/files/${post}/like`).set(as(users.stranger)).expect(204);
    await http().put(`/api/v1/shakes/${users.bystander.username}/follow`).set(as(users.owner)).expect(204);
    const exportId = (await http().post('/api/v1/me/export').set(as(users.owner)).expect(202)).body.id as string;
    fixture = {
      post,
      groupShake,
      userShake: users.owner.username,
      commentId: await newComment(post, users.bystander),
      tokenId: (await newToken(users.owner)).id,
      inviteId: await newInvite(),
      exportId,
      bystanderPost: (await uploadAs(app, users.bystander)).key,
      bystander: users.bystander.username,
      manager: users.manager.username,
    };
    await settle();
    routes = routeAccessOf(
      app
        .get(DiscoveryService)
        .getControllers()
        .map((wrapper) => wrapper.metatype as Type),
      app.get(Reflector),
    );
  });
  afterAll(() => ctx.close());

  const settle = () =>
    settleQueues(
      app,
      Object.values(QUEUES).map((queue) => queue.name),
    );
  const fingerprint = () => databaseFingerprint(ctx.database, ['popular_snapshots']);

  const send = async (rule: Rule, f: Fixture, header: string | undefined) => {
    const req = http()[rule.method](rule.path(f));
    if (header) req.set('Authorization', header);
    if (rule.upload) return req.attach('file', await png(8, 8, randomColor()), { filename: 'a.png', contentType: 'image/png' });
    return rule.body ? req.send(rule.body(f)) : req;
  };

  const isRefusal = (status: number | undefined) => status === undefined || status >= 400;
  /** The mismatches found, by route: the refusals are all tried first, then each route's successes. */
  const found = new Map<string, string[]>();
  const report = (name: string, failure: string) => found.set(name, [...(found.get(name) ?? []), failure]);
  let cases = 0;
  const check = (name: string, who: Identity, expected: number | undefined, res: { status: number; body: unknown }) => {
    cases += 1;
    if (expected === undefined) return report(name, `${who}: no expectation`);
    if (res.status !== expected) report(name, `${who}: ${res.status}, expected ${expected} (${JSON.stringify(res.body).slice(0, 200)})`);
  };
  const ruleNames = () => [...Object.keys(RULES), ...Object.keys(READS)];
  const routeNamed = (name: string) => routes.find((route) => route.route === name)!;

  it('has a rule for every mutating route and every private read the router serves, and no rule for a route that is gone', () => {
    const mutating = routes.filter((route) => !isRead(route));
    const privateReads = routes.filter((route) => isRead(route) && route.access !== 'public');
    expect(mutating.length).toBeGreaterThanOrEqual(40);
    expect(mutating.filter((route) => !RULES[route.route]).map((route) => route.route)).toEqual([]);
    expect(privateReads.filter((route) => !READS[route.route]).map((route) => route.route)).toEqual([]);
    const served = new Set(routes.map((route) => route.route));
    expect(ruleNames().filter((name) => !served.has(name))).toEqual([]);
  });

  it('refuses every caller the declaration or the ownership rule refuses, in the JSON error shape, changing nothing', async () => {
    const before = await fingerprint();
    for (const name of ruleNames()) {
      const route = routeNamed(name);
      const rule = ruleOf(route)!;
      for (const who of IDENTITIES) {
        const expected = expectedStatus(route, rule.outcome, who);
        if (!isRefusal(expected)) continue;
        const caller = MEMBERS.includes(who as Member) ? users[who as Member] : undefined;
        const res = await send(rule, { ...fixture, caller }, who === 'anonymous' ? undefined : auth[who]);
        check(name, who, expected, res);
        const json = res.headers['content-type']?.startsWith('application/json');
        if (json && (res.body as { statusCode?: number }).statusCode !== res.status) report(name, `${who}: not the JSON error shape`);
        for (const secret of rule.privateOf?.(fixture) ?? []) {
          if (res.text.includes(secret)) report(name, `${who} sees the owner's ${secret}`);
        }
      }
    }
    await settle();
    const after = await fingerprint();
    const changed = Object.keys({ ...before, ...after }).filter((collection) => before[collection] !== after[collection]);
    expect({ changed, mismatches: Object.fromEntries(found) }).toEqual({ changed: [], mismatches: {} });
  });

  it.each(ruleNames())('%s: lets through whom it must, and does it', async (name) => {
    const route = routeNamed(name);
    const rule = ruleOf(route)!;
    for (const who of IDENTITIES) {
      const expected = expectedStatus(route, rule.outcome, who);
      if (isRefusal(expected)) continue;
      const kind = who === 'uploadOnly' ? 'owner' : (who as Member | 'anonymous');
      let f: Fixture = { ...fixture };
      let header = who === 'anonymous' ? undefined : auth[who];
      if (rule.caller === 'account' && kind !== 'anonymous') {
        f.caller = await newAccountLike(kind);
        header = f.caller.auth;
      } else if (rule.caller === 'token' && kind !== 'anonymous') {
        header = `Bearer ${(await newToken(users[kind])).token}`;
      } else if (kind !== 'anonymous') {
        f.caller = users[kind];
      }
      if (rule.fresh) f = { ...f, ...(await rule.fresh(f, kind)) };
      const res = await send(rule, f, header);
      check(name, who, expected, res);
      if (res.status === expected) {
        const effect = await rule.applied?.(f, res.body as Record<string, unknown>, header);
        if (effect) report(name, `${who}: ${effect}`);
      }
      for (const secret of rule.privateOf?.(f) ?? []) {
        // The owner must see it, or looking for it in the others' answers would prove nothing.
        if (who === 'owner' && !res.text.includes(secret)) report(name, `the owner's own answer lacks ${secret}`);
        if (who !== 'owner' && res.text.includes(secret)) report(name, `${who} sees the owner's ${secret}`);
      }
    }
    expect(found.get(name) ?? []).toEqual([]);
  });

  it('counts the cases', () => {
    expect(cases).toBeGreaterThan(300);
    process.stdout.write(`authorization matrix: ${[...found.values()].flat().length} violations over ${cases} cases\n`);
  });
});
