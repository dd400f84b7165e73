import { Module } from '@nestjs/common';
import { SiteController } from './site.controller';

/** GET /api/v1/site: the site's name, registration mode and the limits a client needs; only where the API is served. */
@Module({
  controllers: [SiteController],
})
export class SiteApiModule {}
