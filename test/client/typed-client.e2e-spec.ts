import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Middleware } from 'openapi-fetch';
import { createMaltedClient } from '../../client';
import { png, randomColor } from '../harness/images';
import { OpenApiResponses } from '../harness/openapi-responses';
import { eventually, freePort } from '../harness/servers';
import { TestContext } from '../harness/test-app';

/**
 * The whole product flow through the client generated from the OpenAPI document, every answer checked against
 * the document: a documented status, and a JSON body that matches its schema with no undocumented field.
 */
describe('The typed client', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let origin: string;
  let responses: OpenApiResponses;

  const checking: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      const body = response.status === 204 || response.status === 304 ? '' : await response.clone().text();
      responses.check(request.method, schemaPath, response.status, body === '' ? null : response.headers.get('content-type'), body);
    },
  };
  const clientFor = (token?: string) => {
    const client = createMaltedClient(origin, token);
    client.use(checking);
    return client;
  };

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await ctx.startApp({ PUBLIC_URL: origin });
    await app.listen(port, '127.0.0.1');
    responses = new OpenApiResponses(
      (await (await fetch(`${origin}/docs-json`)).json()) as ConstructorParameters<typeof OpenApiResponses>[0],
    );
  });
  afterAll(() => ctx.close());

  it('registers, uploads, likes, saves, comments, follows, reads the streams, searches, is notified and deletes', async () => {
    const anonymous = clientFor();
    const suffix = Math.random().toString(36).slice(2, 8);
    const register = async (username: string) => {
      const { data, response } = await anonymous.POST('/api/v1/auth/register', {
        body: { username, email: `${username}@example.com`, password: `pw-${suffix}-long-enough` },
      });
      expect(response.status).toBe(201);
      return data!;
    };
    const aliceSession = await register(`alice${suffix}`);
    await register(`bob${suffix}`);
    expect(aliceSession.user.username).toBe(`alice${suffix}`);

    // A token of its own for the client, then sign-in works too.
    const created = await clientFor(aliceSession.token).POST('/api/v1/me/tokens', { body: { name: 'typed client' } });
    expect(created.response.status).toBe(201);
    const alice = clientFor(created.data!.token);
    const login = await anonymous.POST('/api/v1/auth/login', { body: { login: `bob${suffix}`, password: `pw-${suffix}-long-enough` } });
    expect(login.response.status).toBe(200);
    const bob = clientFor(login.data!.token);
    expect((await alice.GET('/api/v1/me/tokens')).data!.map((token) => token.name)).toContain('typed client');
    expect((await alice.GET('/api/v1/me')).data!.username).toBe(`alice${suffix}`);
    expect((await anonymous.GET('/api/v1/users/{username}', { params: { path: { username: `alice${suffix}` } } })).response.status).toBe(
      200,
    );

    // Upload (multipart), edit.
    const form = new FormData();
    form.append('file', new Blob([await png(16, 12, randomColor())], { type: 'image/png' }), 'cat.png');
    form.append('title', `Typed cat ${suffix}`);
    form.append('description', 'a #typed cat');
    const uploaded = await alice.POST('/api/v1/files', { body: {} as never, bodySerializer: () => form });
    expect(uploaded.response.status).toBe(201);
    const key = uploaded.data!.key;
    const key404 = { params: { path: { key: 'NoSuchKey0' } } };
    const edited = await alice.PATCH('/api/v1/files/{key}', { params: { path: { key } }, body: { altText: 'A grey cat' } });
    expect(edited.data!.altText).toBe('A grey cat');
    const nullTitle = await alice.PATCH('/api/v1/files/{key}', { params: { path: { key } }, body: { title: null as never } });
    expect(nullTitle.response.status).toBe(400);
    expect((await anonymous.GET('/api/v1/files/{key}', key404)).response.status).toBe(404);

    // Bob likes, saves, comments and follows; liking twice is idempotent, his own save he may not like.
    const file = { params: { path: { key } } };
    expect((await bob.PUT('/api/v1/files/{key}/like', file)).response.status).toBe(204);
    expect((await bob.PUT('/api/v1/files/{key}/like', file)).response.status).toBe(204);
    const saved = await bob.POST('/api/v1/files/{key}/save', { ...file, body: {} });
    expect(saved.response.status).toBe(201);
    expect((await bob.PUT('/api/v1/files/{key}/like', { params: { path: { key: saved.data!.key } } })).response.status).toBe(409);
    const comment = await bob.POST('/api/v1/files/{key}/comments', { ...file, body: { body: `nice, @alice${suffix}` } });
    expect(comment.response.status).toBe(201);
    expect((await anonymous.GET('/api/v1/files/{key}/comments', file)).data!.items).toHaveLength(1);
    const aliceShake = { params: { path: { name: `alice${suffix}` } } };
    expect((await bob.PUT('/api/v1/shakes/{name}/follow', aliceShake)).response.status).toBe(204);
    expect((await alice.PUT('/api/v1/shakes/{name}/follow', aliceShake)).response.status).toBe(409);
    expect((await anonymous.GET('/api/v1/shakes/{name}', aliceShake)).data!.name).toBe(`alice${suffix}`);
    expect((await anonymous.GET('/api/v1/shakes/{name}/files', aliceShake)).data!.items.map((item) => item.key)).toContain(key);
    expect((await bob.GET('/api/v1/me/following')).response.status).toBe(200);

    // Bob's timeline, the public streams and search.
    // (The timeline shows each image once: Alice's post or Bob's save of it.)
    const timeline = (await bob.GET('/api/v1/timeline')).data!.items.map((item) => item.key);
    expect(timeline.filter((item) => item === key || item === saved.data!.key)).toHaveLength(1);
    expect((await anonymous.GET('/api/v1/incoming')).response.status).toBe(200);
    expect((await anonymous.GET('/api/v1/tags/{tag}', { params: { path: { tag: 'typed' } } })).response.status).toBe(200);
    expect(
      (await anonymous.GET('/api/v1/users/{username}/likes', { params: { path: { username: `bob${suffix}` } } })).response.status,
    ).toBe(200);
    const found = await eventually(
      async () => (await bob.GET('/api/v1/search', { params: { query: { q: `cat ${suffix}`, type: 'files' } } })).data,
      (data) => (data?.items ?? []).some((item) => 'key' in item && item.key === key),
    );
    expect(found).toBeDefined();
    expect((await anonymous.GET('/api/v1/search', { params: { query: { q: '', type: 'files' } } })).response.status).toBe(400);

    // Alice is notified of the like, the save, the comment and the follow.
    const notifications = await eventually(
      async () => (await alice.GET('/api/v1/notifications')).data!,
      (data) => data.items.length >= 4,
    );
    expect(notifications.unread).toBeGreaterThanOrEqual(4);
    expect((await alice.POST('/api/v1/notifications/read', { body: {} })).response.status).toBe(200);

    // Delete: Alice's file, then it is gone; Bob's save; Bob signs out, which revokes his token.
    expect((await alice.DELETE('/api/v1/files/{key}', file)).response.status).toBe(204);
    expect((await anonymous.GET('/api/v1/files/{key}', file)).response.status).toBe(404);
    expect((await bob.DELETE('/api/v1/files/{key}', { params: { path: { key: saved.data!.key } } })).response.status).toBe(204);
    expect((await anonymous.GET('/api/v1/me')).response.status).toBe(401);
    expect((await bob.POST('/api/v1/auth/logout')).response.status).toBe(204);
    expect((await bob.GET('/api/v1/me')).response.status).toBe(401);

    expect(responses.problems).toEqual([]);
    expect(responses.seen.size).toBeGreaterThan(30);
  });
});
