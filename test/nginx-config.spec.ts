import { readFileSync } from 'node:fs';
import { Environment } from '../src/config/environment';
import { SHORT_MEDIA_PATHS } from '../src/files/delivery/short-media-paths';
import { NGINX_TEMPLATE, renderNginxTemplate } from './harness/nginx';

/** The shipped nginx configuration agrees with the app's defaults (the e2e suites run it for real). */
describe('deploy/nginx/malted.conf.template', () => {
  const template = readFileSync(NGINX_TEMPLATE, 'utf8');
  const defaults = new Environment();
  const comments = template
    .split('\n')
    .filter((line) => line.startsWith('#'))
    .join('\n');
  const placeholders = [...new Set([...template.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]))];

  it('documents every placeholder in its header', () => {
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders) expect(comments).toMatch(new RegExp(`^#\\s+\\$\\{${name}\\}\\s+\\S`, 'm'));
    const filled = renderNginxTemplate(Object.fromEntries(placeholders.map((name) => [name, 'x'])));
    expect(filled).not.toMatch(/\$\{/);
  });

  it('has an internal location at each default accel prefix', () => {
    for (const prefix of [defaults.FILE_ACCEL_PREFIX, defaults.FILE_ACCEL_S3_PREFIX]) {
      expect(template).toMatch(new RegExp(`location ${prefix}/ \\{\\n\\s+internal;`));
    }
  });

  it('lets the app refuse uploads over the default UPLOAD_MAX_BYTES itself', () => {
    const [, megabytes] = /client_max_body_size (\d+)m;/.exec(template)!;
    expect(Number(megabytes) * 1024 * 1024).toBeGreaterThan(defaults.UPLOAD_MAX_BYTES);
  });

  it('micro-caches the media routes and nothing else, never an answer to a request with a token', () => {
    const [, pattern] = /location ~\* (\S+) \{/.exec(template)!;
    const media = new RegExp(pattern, 'i'); // ~* is case-insensitive, as Express's routing
    const key = 'Ab3dE5gH7j';
    const kinds = Object.keys(SHORT_MEDIA_PATHS) as (keyof typeof SHORT_MEDIA_PATHS)[];
    for (const kind of kinds) {
      expect(`/api/v1/files/${key}/${kind}`).toMatch(media);
      expect(`/${SHORT_MEDIA_PATHS[kind]}/${key}`).toMatch(media);
    }
    for (const other of [
      `/api/v1/files/${key}`,
      `/api/v1/files/${key}/comments`,
      '/api/v1/files',
      `/p/${key}`,
      `/r/${key}/x`,
      '/health/live',
    ]) {
      expect(other).not.toMatch(media);
    }
    const location = template.slice(template.indexOf(`location ~* ${pattern}`));
    const block = location.slice(0, location.indexOf('\n    }\n'));
    expect(block).toMatch(/proxy_cache_bypass [^;]*\$http_authorization/);
    expect(block).toMatch(/proxy_no_cache [^;]*\$http_authorization/);
    expect(block).toMatch(/proxy_cache_valid any \d+s;/);
    expect(block).toMatch(/proxy_ignore_headers Cache-Control Expires;/); // the app's year is not this cache's
  });
});
