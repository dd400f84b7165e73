import type { NestExpressApplication } from '@nestjs/platform-express';
import { UNVERSIONED_PATHS } from '../../src/app.factory';
import { isReservedName } from '../../src/shakes/reserved-names';
import { GROUP_SHAKE_NAME } from '../../src/shakes/shake-names';
import { TestContext, type TestUser } from '../harness/test-app';

interface RouterLayer {
  route?: { path?: unknown };
}

/** The first segment of every route the running app registered with Express (Nest's, Swagger's, the dashboard's). */
function topLevelRoutePaths(app: NestExpressApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
  return express.router.stack.flatMap((layer) => {
    const path = layer.route?.path;
    if (typeof path !== 'string') return [];
    const first = path.replace(/^\//, '').split('/')[0];
    // Parameters (`:name`, and the `v:nestUriVersion` of Nest's versioning) name no fixed path.
    return first && !/[:{*]/.test(first) ? [first] : [];
  });
}

describe('top-level paths and shake names', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let alice: TestUser;
  let topLevel: string[];

  beforeAll(async () => {
    app = await ctx.startApp();
    alice = await ctx.newUser(app);
    const unversioned = UNVERSIONED_PATHS.map((path) => path.split('/')[0]).filter((first) => !first.startsWith(':'));
    // /metrics is served on METRICS_PORT, never on PORT, but a page there would still confuse people.
    topLevel = [...new Set([...topLevelRoutePaths(app), ...unversioned, 'metrics'])].sort();
  });

  afterAll(() => ctx.close());

  it('finds the paths the app serves', () => {
    expect(topLevel).toEqual(
      expect.arrayContaining(['api', 'docs', 'docs-json', 'health', 'admin', 'account', 'p', 'r', 's', 't', 'oembed', 'feeds', 'shake']),
    );
  });

  it('reserves every one of them, so no user or shake can take it', async () => {
    expect(topLevel.filter((first) => !isReservedName(first))).toEqual([]);
    for (const name of topLevel.filter((first) => GROUP_SHAKE_NAME.test(first))) {
      for (const spelling of [name, name.toUpperCase()]) {
        await ctx.http(app).post('/api/v1/shakes').set('Authorization', alice.auth).send({ name: spelling, title: 'mine' }).expect(400);
        if (name.length < 3) continue; // shorter than any username
        await ctx
          .http(app)
          .post('/api/v1/auth/register')
          .send({ username: spelling, email: `${spelling}@example.com`, password: 'a long enough password 1' })
          .expect(400);
      }
    }
  });

  it('leaves them to their own routes: no shake page shadows them', async () => {
    expect((await ctx.http(app).get('/docs').expect(200)).text).toContain('swagger');
    expect((await ctx.http(app).get('/docs-json').expect(200)).body.openapi).toMatch(/^3\./);
    expect((await ctx.http(app).get('/health/live').expect(200)).headers['content-type']).toMatch(/^application\/json/);
    for (const path of ['/metrics', '/api', '/admin', '/account', '/favicon.ico', '/robots.txt']) {
      const res = await ctx.http(app).get(path).expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/); // the usual 404, not a shake page
    }
    await ctx.http(app).get('/oembed').expect(400); // oEmbed, wanting its url
    expect((await ctx.http(app).get('/no-such-shake').expect(404)).headers['content-type']).toBe('text/html; charset=utf-8');
    const page = await ctx.http(app).get(`/${alice.username}`).expect(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await ctx.http(app).get(`/shake/${alice.username}`).expect(200)).text).toBe(page.text);
  });
});
