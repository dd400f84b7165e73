import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DiscoveryService, Reflector } from '@nestjs/core';
import type { Type } from '@nestjs/common';
import type { Model } from 'mongoose';
import type { AccessToken } from '../../src/auth/schemas/access-token.schema';
import { routeAccessOf, undeclaredMutatingRoutes } from '../../src/auth/route-access.check';
import { makeAdmin } from '../harness/admins';
import { png, randomColor } from '../harness/images';
import { type Uploaded, uploadAs } from '../harness/posts';
import { TestContext, type TestUser } from '../harness/test-app';

type Operation = { security?: unknown[] };
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

const METHODS = ['get'] as const;

describe('Scoped tokens', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let alice: TestUser;
  let bob: TestUser;
  let uploadOnly: string;
  let uploadOnlyId: string;
  let aliceFile: Uploaded;
  let bobFile: Uploaded;

  beforeAll(async () => {
    app = await ctx.startApp();
    alice = await ctx.newUser(app);
    bob = await ctx.newUser(app);
    await makeAdmin(app, alice.username);
    bobFile = await uploadAs(app, bob);
    aliceFile = await uploadAs(app, alice);
    const res = await ctx
      .http(app)
      .post('/api/v1/me/tokens')
      .set('Authorization', alice.auth)
      .send({ name: 'screenshots', scopes: ['files:write'] })
      .expect(201);
    expect(res.body).toMatchObject({ name: 'screenshots', scopes: ['files:write'] });
    uploadOnly = `Bearer ${res.body.token as string}`;
    uploadOnlyId = res.body.id as string;
  });
  afterAll(() => ctx.close());

  it('stores the scope with the token and shows it in the listing; full is the default', async () => {
    const full = await ctx.http(app).post('/api/v1/me/tokens').set('Authorization', alice.auth).send({ name: 'backup' }).expect(201);
    expect(full.body.scopes).toEqual(['full']);
    const list = await ctx.http(app).get('/api/v1/me/tokens').set('Authorization', alice.auth).expect(200);
    const byName = Object.fromEntries((list.body as { name: string; scopes: string[] }[]).map((token) => [token.name, token.scopes]));
    expect(byName).toMatchObject({ registration: ['full'], screenshots: ['files:write'], backup: ['full'] });
  });

  it('refuses scopes that do not exist, empty or repeated', async () => {
    for (const scopes of [['files:read'], [], ['full', 'full'], 'full', [null]]) {
      await ctx.http(app).post('/api/v1/me/tokens').set('Authorization', alice.auth).send({ name: 'x', scopes }).expect(400);
    }
  });

  it('lets an upload-only token upload', async () => {
    const res = await ctx
      .http(app)
      .post('/api/v1/files')
      .set('Authorization', uploadOnly)
      .attach('file', await png(8, 8, randomColor()), { filename: 'shot.png', contentType: 'image/png' })
      .expect(201);
    expect(res.body.owner.username).toBe(alice.username);
  });

  // The mutating routes, with an upload-only token among seven other callers, are in authorization-matrix.e2e-spec.ts.
  it('refuses an upload-only token with 403 on every reading route of the API document, public ones included', async () => {
    const document = (await ctx.http(app).get('/docs-json').expect(200)).body as OpenApiDocument;
    // Real values, so that a route the scope check missed would answer 2xx (or act) instead of 403.
    const values: Record<string, string> = {
      key: bobFile.key,
      username: bob.username,
      name: bob.username,
      id: uploadOnlyId,
      tag: 'cats',
    };
    const seen: string[] = [];
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of METHODS) {
        if (!item[method]) continue;
        const url = path.replace(/\{(\w+)\}/g, (_, name: string) => {
          if (!(name in values)) throw new Error(`no value for {${name}} in ${path}`);
          return values[name];
        });
        const res = await ctx.http(app)[method](url).set('Authorization', uploadOnly).send({});
        seen.push(`${method.toUpperCase()} ${path}`);
        expect({ route: `${method.toUpperCase()} ${path}`, status: res.status }).toEqual({
          route: `${method.toUpperCase()} ${path}`,
          status: 403,
        });
        expect(res.body.message).toMatch(/limited to files:write/);
      }
    }
    // The matrix covers the routes that matter (a document that lost them would make this test vacuous).
    expect(seen).toEqual(
      expect.arrayContaining([
        'GET /api/v1/files/{key}',
        'GET /api/v1/files/{key}/raw',
        'GET /api/v1/shakes/{name}',
        'GET /api/v1/me',
        'GET /api/v1/me/tokens',
        'GET /api/v1/notifications',
        'GET /api/v1/search',
        'GET /api/v1/admin/users',
      ]),
    );
    expect(seen.length).toBeGreaterThan(25);

    // Nothing happened: the token lives, the files are as they were.
    await ctx.http(app).get(`/api/v1/files/${bobFile.key}`).expect(200);
    await ctx.http(app).get(`/api/v1/files/${aliceFile.key}`).expect(200);
    const tokens = await ctx.http(app).get('/api/v1/me/tokens').set('Authorization', alice.auth).expect(200);
    expect((tokens.body as { id: string }[]).map((token) => token.id)).toContain(uploadOnlyId);
  });

  it("keeps an admin's upload-only token out of the queue dashboard", async () => {
    await ctx.http(app).get('/admin/queues').set('Authorization', uploadOnly).expect(403);
    await ctx.http(app).get('/admin/queues').set('Authorization', alice.auth).expect(200);
  });

  it('reads a token stored before scopes existed as full', async () => {
    const created = await ctx.http(app).post('/api/v1/me/tokens').set('Authorization', bob.auth).send({ name: 'old' }).expect(201);
    const tokens = app.get<Model<AccessToken>>(getModelToken('AccessToken'));
    await tokens.collection.updateOne({ name: 'old' }, { $unset: { scopes: '' } });
    expect((await tokens.collection.findOne({ name: 'old' }))?.scopes).toBeUndefined();
    await ctx
      .http(app)
      .get('/api/v1/me')
      .set('Authorization', `Bearer ${created.body.token as string}`)
      .expect(200);
  });

  it('boots only because every mutating route declares its access (the route table from DiscoveryService)', () => {
    const controllers = app
      .get(DiscoveryService)
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type);
    const routes = routeAccessOf(controllers, app.get(Reflector));
    expect(routes.length).toBeGreaterThan(40);
    expect(undeclaredMutatingRoutes(routes)).toEqual([]);
    expect(routes.filter((route) => route.scope !== 'full').map((route) => route.route)).toEqual(['FilesController.upload']);
  });
});
