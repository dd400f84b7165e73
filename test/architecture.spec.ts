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

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Each model injected anywhere in src/ (`@InjectModel(X.name)`) → the classes that inject it. */
export function modelInjections(files: { path: string; text: string }[]): Map<string, string[]> {
  const injections = new Map<string, string[]>();
  for (const { path, text } of files) {
    const classes = [...text.matchAll(/^(?:export )?(?:abstract )?class (\w+)/gm)].map((m) => ({ name: m[1], at: m.index }));
    for (const match of text.matchAll(/@InjectModel\(\s*(\w+)\.name\s*\)/g)) {
      const owner = classes.filter((c) => c.at < match.index).at(-1)?.name ?? `${path} (outside a class)`;
      const owners = injections.get(match[1]) ?? [];
      if (!owners.includes(owner)) owners.push(owner);
      injections.set(match[1], owners);
    }
  }
  return injections;
}

describe('architecture', () => {
  it('gives every collection one owner: one class injects its model, the rest ask that class', () => {
    const files = sourceFiles(join(ROOT, 'src')).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
    const injections = modelInjections(files);
    expect(injections.get('SharedFile')).toEqual(['PostsRepository']);
    const shared = [...injections].filter(([, owners]) => owners.length > 1).map(([model, owners]) => `${model}: ${owners.join(', ')}`);
    expect(shared).toEqual([]);
    // Nothing reaches a model another way (a model token, or a collection of the connection).
    const around = files.filter(({ text }) => /getModelToken\(|\.model\(\s*['"A-Z]/.test(text)).map(({ path }) => path);
    expect(around).toEqual([]);
  });

  it('finds a second class that injects a model', () => {
    const owner = `@Injectable()\nexport class A {\n  constructor(@InjectModel(Shake.name) private readonly shakes: Model<Shake>) {}\n}\n`;
    const other = `export class B {\n  constructor(\n    @InjectModel(User.name) users: Model<User>,\n    @InjectModel( Shake.name ) shakes: Model<Shake>,\n  ) {}\n}\n`;
    expect(
      modelInjections([
        { path: 'a.ts', text: owner },
        { path: 'b.ts', text: other },
      ]),
    ).toEqual(
      new Map([
        ['Shake', ['A', 'B']],
        ['User', ['B']],
      ]),
    );
  });

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
