import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ALLOWED } = require('../.dependency-cruiser.cjs') as { ALLOWED: Record<string, string[]> };

/** The README's table of folders: folder → the folders it may import. */
function documentedArrows(): Record<string, string[]> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `([a-z]+)\/` \| [^|]+ \| ([^|]+) \|$/gm)];
  return Object.fromEntries(
    rows.map(([, folder, targets]) => [
      folder,
      targets.trim() === 'nothing' ? [] : [...targets.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]),
    ]),
  );
}

describe('architecture', () => {
  it('has import rules for every folder of src/', () => {
    const folders = readdirSync(join(ROOT, 'src'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(Object.keys(ALLOWED).sort()).toEqual(folders.sort());
  });

  it('draws in the README exactly the arrows that npm test enforces', () => {
    expect(documentedArrows()).toEqual(ALLOWED);
  });
});
