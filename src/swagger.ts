import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
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
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true },
  });
}
