import type { NestExpressApplication } from '@nestjs/platform-express';
import { TestContext } from './harness/test-app';

describe('HTTP errors and request ids', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await ctx.startApp({ JSON_BODY_LIMIT: '1kb' });
  });
  afterAll(() => ctx.close());

  const expectErrorShape = (body: Record<string, unknown>, statusCode: number, error: string) => {
    expect(Object.keys(body).sort()).toEqual(['error', 'message', 'requestId', 'statusCode']);
    expect(body).toMatchObject({ statusCode, error });
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack frames
  };

  it('answers an unknown route with the JSON error shape and the request id', async () => {
    const res = await ctx.http(app).get('/api/v1/no-such-thing').expect(404);
    expectErrorShape(res.body, 404, 'Not Found');
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('answers a malformed JSON body with 400 in the same shape', async () => {
    const res = await ctx.http(app).post('/api/v1/anything').set('Content-Type', 'application/json').send('{"a": ').expect(400);
    expectErrorShape(res.body, 400, 'Bad Request');
    expect(res.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a body over the limit with 413', async () => {
    const res = await ctx
      .http(app)
      .post('/api/v1/anything')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ padding: 'x'.repeat(4096) }))
      .expect(413);
    expectErrorShape(res.body, 413, 'Payload Too Large');
  });

  it('keeps a well-formed X-Request-Id from a proxy and replaces a malformed one', async () => {
    const kept = await ctx.http(app).get('/health/live').set('X-Request-Id', 'edge-1234abcd').expect(200);
    expect(kept.headers['x-request-id']).toBe('edge-1234abcd');
    const replaced = await ctx.http(app).get('/health/live').set('X-Request-Id', 'has spaces; and {braces}').expect(200);
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets security headers (helmet)', async () => {
    const res = await ctx.http(app).get('/health/live').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
