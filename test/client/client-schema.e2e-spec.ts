import { readFileSync, writeFileSync } from 'node:fs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { CLIENT_SCHEMA_FILE, clientSchemaSource } from '../../client/generate';
import { TestContext } from '../harness/test-app';

describe('The committed typed client', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;

  beforeAll(async () => {
    app = await ctx.startApp();
  });
  afterAll(() => ctx.close());

  it('documents a success status for every operation, with a schema for each that answers JSON', async () => {
    type Responses = Record<string, { content?: Record<string, { schema?: unknown }> }>;
    const document = (await ctx.http(app).get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { operationId: string; responses: Responses }>>;
    };
    const undocumented: string[] = [];
    for (const item of Object.values(document.paths)) {
      for (const operation of Object.values(item)) {
        const successes = Object.entries(operation.responses).filter(([status]) => /^[23]/.test(status));
        if (successes.length === 0) undocumented.push(`${operation.operationId}: no success status`);
        for (const [status, response] of successes) {
          const bodyless = status === '204' || status === '304' || /^3/.test(status);
          if (!bodyless && !response.content) undocumented.push(`${operation.operationId} ${status}: no content`);
          for (const [type, content] of Object.entries(response.content ?? {})) {
            if (type === 'application/json' && !content.schema) undocumented.push(`${operation.operationId} ${status}: no schema`);
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('is generated from the current OpenAPI document (else: npm run client:generate)', async () => {
    const document = (await ctx.http(app).get('/docs-json').expect(200)).body as object;
    const fresh = await clientSchemaSource(document);
    // MALTED_WRITE_CLIENT=1 rewrites it instead, when no app runs to generate from.
    if (process.env.MALTED_WRITE_CLIENT === '1') writeFileSync(CLIENT_SCHEMA_FILE, fresh);
    expect(readFileSync(CLIENT_SCHEMA_FILE, 'utf8')).toBe(fresh);
  });
});
