import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ResolvedEnvironment } from '../config/environment';

/**
 * The cache scope every page, feed and preview depends on besides its content: named after the origin and the
 * site name they are rendered with, so pods started with other settings (a rolling update, say) never serve each
 * other's entries. Set once, when PageSite is made.
 */
let settingsScope = 'pages';
export const pageSettingsScope = (): string => settingsScope;

/** The site as pages show it: its name and its public origin (PUBLIC_URL), from which every absolute URL is made. */
@Injectable()
export class PageSite {
  readonly name: string;
  readonly origin: string;

  constructor(config: ConfigService<ResolvedEnvironment, true>) {
    this.name = config.get('SITE_NAME', { infer: true });
    this.origin = config.get('PUBLIC_URL', { infer: true });
    settingsScope = `pages:${createHash('sha256').update(`${this.origin}\n${this.name}`).digest('hex').slice(0, 16)}`;
  }

  /** An absolute URL of a path on this site. */
  url(path: string): string {
    return `${this.origin}${path}`;
  }
}
