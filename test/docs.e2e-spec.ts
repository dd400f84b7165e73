import SwaggerParser from '@apidevtools/swagger-parser';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { TestContext } from './harness/test-app';

describe('API documentation', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await ctx.startApp();
  });
  afterAll(() => ctx.close());

  it('serves the Swagger UI at /docs', async () => {
    const res = await ctx.http(app).get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('swagger-ui');
    const init = await ctx.http(app).get('/docs/swagger-ui-init.js').expect(200);
    expect(init.text).toContain('Malted API');
  });

  it('serves a valid OpenAPI 3 document at /docs-json with a bearer scheme and stable operation ids', async () => {
    const res = await ctx.http(app).get('/docs-json').expect(200);
    const document = res.body;
    expect(document.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.paths['/health/ready'].get.operationId).toBe('HealthController_ready');
    // The short media URLs sit outside /api/v1, each beside the route it answers as.
    for (const [short, api, name] of [
      ['r', 'raw', 'raw'],
      ['t', 'thumbnail', 'thumbnail'],
      ['s', 'small', 'small'],
    ]) {
      expect(document.paths[`/${short}/{key}`].get).toMatchObject({ operationId: `MediaController_${name}`, tags: ['media'] });
      expect(document.paths[`/api/v1/files/{key}/${api}`].get.operationId).toBe(`FilesController_${name}`);
    }
  });
});
