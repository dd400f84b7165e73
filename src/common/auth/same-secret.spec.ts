import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sameSecret } from './same-secret';

describe('sameSecret', () => {
  it('is true for equal secrets, strings or bytes', () => {
    expect(sameSecret('mlt_abc', 'mlt_abc')).toBe(true);
    expect(sameSecret(Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3]))).toBe(true);
    expect(sameSecret('', '')).toBe(true);
  });

  it('is false for any difference, of content or of length, without throwing', () => {
    expect(sameSecret('mlt_abc', 'mlt_abd')).toBe(false);
    expect(sameSecret('mlt_abc', 'mlt_abcd')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
    expect(sameSecret(Buffer.alloc(32), Buffer.alloc(16))).toBe(false);
  });

  it('is the only comparison of secrets in src: no timingSafeEqual elsewhere, no === on a secret, hash or signature', () => {
    const root = join(__dirname, '../..');
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? files(join(dir, entry.name))
          : entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')
            ? [join(dir, entry.name)]
            : [],
      );
    const secret = String.raw`[\w.]*(?:secret|signature|hash|digest|password)\w*`;
    // A presence check (=== undefined, !== null) compares no secret.
    const plainComparison = new RegExp(
      String.raw`${secret}\s*[!=]==?\s*(?!undefined|null)[\w'"]|\b(?!undefined|null)[\w'"]+\s*[!=]==?\s*${secret}`,
      'i',
    );
    const found: string[] = [];
    for (const file of files(root)) {
      const name = relative(root, file);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, index) => {
          if (/timingSafeEqual\(/.test(line) && name !== 'common/auth/same-secret.ts') found.push(`${name}:${index + 1}: ${line.trim()}`);
          if (plainComparison.test(line.replace(/\/\/.*$/, ''))) found.push(`${name}:${index + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
