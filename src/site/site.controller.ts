import { createHash } from 'node:crypto';
import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth/auth.decorators';
import { CachedResponse } from '../common/cache/cached-response.decorator';
import type { ResolvedEnvironment } from '../config/environment';
import { ACCEPTED_IMAGE_TYPES } from '../files/images/image-types';
import { UPLOAD_FIELD_MAX_LENGTHS } from '../files/upload/upload-fields';
import { SiteDto } from './dto/site.dto';

/**
 * The answer depends on nothing but the configuration, which changes only with a restart: its cache scope is
 * named after a fingerprint of it, so pods started with other settings (during a rolling update, say) never
 * serve each other's entries. Set once, when the controller is made.
 */
let settingsScope = 'site-settings';

@ApiTags('site')
@Controller('site')
export class SiteController {
  private readonly site: SiteDto;

  constructor(config: ConfigService<ResolvedEnvironment, true>) {
    const get = <K extends keyof ResolvedEnvironment>(key: K) => config.get(key, { infer: true }) as ResolvedEnvironment[K];
    const verification = get('EMAIL_VERIFICATION_ENABLED');
    this.site = {
      name: get('SITE_NAME'),
      url: get('PUBLIC_URL'),
      registration: get('REGISTRATION'),
      emailVerification: { enabled: verification, requiredFor: verification ? get('EMAIL_VERIFICATION_REQUIRED_FOR') : [] },
      passwordReset: get('PASSWORD_RESET_ENABLED'),
      uploads: {
        maxBytes: get('UPLOAD_MAX_BYTES'),
        maxPixels: get('UPLOAD_MAX_PIXELS'),
        formats: [...ACCEPTED_IMAGE_TYPES],
        fieldMaxLengths: {
          title: UPLOAD_FIELD_MAX_LENGTHS.title,
          description: UPLOAD_FIELD_MAX_LENGTHS.description,
          altText: UPLOAD_FIELD_MAX_LENGTHS.altText,
        },
        quotaBytesPerMonth: get('UPLOAD_QUOTA_BYTES_PER_MONTH'),
      },
      groupShakesPerUser: get('GROUP_SHAKES_PER_USER'),
    };
    settingsScope = `site-settings:${createHash('sha256').update(JSON.stringify(this.site)).digest('hex').slice(0, 16)}`;
  }

  @Get()
  @Public()
  @CachedResponse({ ttlSeconds: 3600, scopes: () => [settingsScope], sameForEveryViewer: true })
  @ApiOkResponse({ type: SiteDto })
  describe(): SiteDto {
    return this.site;
  }
}
