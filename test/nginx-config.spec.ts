import { readFileSync } from 'node:fs';
import { Environment } from '../src/config/environment';
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
});
