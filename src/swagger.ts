import { HttpStatus, type INestApplication } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { DiscoveryService } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { BEARER_AUTH } from './common/auth/auth.decorators';

/** Swagger UI at /docs and the OpenAPI document at /docs-json, generated from controllers and DTOs. */
export function setUpSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Malted API')
    .setDescription('Image sharing in shakes: upload, follow, like, save, comment and search.')
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An access token from /api/v1/auth/login' }, BEARER_AUTH)
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    // Stable operation ids (Controller_method) so that clients can be generated from the document.
    operationIdFactory: (controllerKey, methodKey) => `${controllerKey}_${methodKey}`,
  });
  completeResponses(document, noContentOperations(app));
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}

/** The operation ids (Controller_method) of the handlers that answer 204 (@HttpCode), which Swagger leaves out. */
function noContentOperations(app: INestApplication): Set<string> {
  const ids = new Set<string>();
  for (const { metatype } of app.get(DiscoveryService, { strict: false }).getControllers()) {
    if (typeof metatype !== 'function') continue;
    for (const name of Object.getOwnPropertyNames(metatype.prototype)) {
      const handler = (metatype.prototype as Record<string, unknown>)[name];
      if (typeof handler === 'function' && Reflect.getMetadata(HTTP_CODE_METADATA, handler) === HttpStatus.NO_CONTENT) {
        ids.add(`${metatype.name}_${name}`);
      }
    }
  }
  return ids;
}

const ERROR_BODY_REF = { $ref: '#/components/schemas/ErrorBody' };

/**
 * Every error answers with the one body of src/common/filters/error-body.ts, and some errors can come from any
 * route: the global guard (401 for a bad token, even on public routes; 403 for a limited token), the validation
 * pipe (400) and the rate limit (429, not on the media routes or the probes). The decorators name the errors of
 * each route; this adds the body to each, the answers every route can give and the 204 of the routes that
 * answer no body.
 */
export function completeResponses(document: OpenAPIObject, noContent: ReadonlySet<string>): void {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.schemas.ErrorBody = {
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer', example: 404 },
      error: { type: 'string', example: 'Not Found' },
      message: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
      requestId: { type: 'string', description: 'Quote it when you report a problem' },
    },
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const responses = operation.responses;
      const add = (status: string, description: string) => {
        responses[status] ??= { description };
      };
      if (operation.operationId !== undefined && noContent.has(operation.operationId)) add('204', 'Done (no body)');
      add('401', 'A token was sent but is malformed, unknown or revoked');
      add('403', 'The token is limited (its scopes do not include this route)');
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) add('400', 'Invalid input');
      const ok = responses['200'] as { content?: Record<string, unknown> } | undefined;
      const media = ok?.content !== undefined && !('application/json' in ok.content);
      if (path.startsWith('/api/') && !media) add('429', 'Over the rate limit: see Retry-After and X-RateLimit-*');
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400 && response && 'description' in response && !response.content) {
          response.content = { 'application/json': { schema: ERROR_BODY_REF } };
        }
      }
    }
  }
}
