/**
 * The allowed arrows between the folders of src/ (README, "Architecture"): a folder may import only the
 * folders listed for it, so dependencies run one way. The files directly in src/ (main.ts, worker entry
 * points, app.module.ts, cli.ts, swagger.ts) compose the application and may import anything; nothing
 * imports them. `npm test` runs this check (npm run lint:deps).
 */
const ALLOWED = {
  config: [],
  common: ['config'],
  jobs: ['common', 'config'],
  dev: ['config'],
  users: ['jobs', 'common', 'config'],
  shakes: ['users', 'jobs', 'common', 'config'],
  files: ['shakes', 'users', 'jobs', 'common', 'config'],
  notifications: ['shakes', 'users', 'jobs', 'common', 'config'],
  social: ['files', 'notifications', 'shakes', 'users', 'jobs', 'common', 'config'],
  mail: ['jobs', 'common', 'config'],
  auth: ['mail', 'shakes', 'users', 'jobs', 'common', 'config'],
  search: ['social', 'files', 'shakes', 'users', 'jobs', 'common', 'config'],
  site: ['files', 'common', 'config'],
  system: ['jobs', 'common', 'config'],
  health: ['system', 'jobs', 'common', 'config'],
  admin: ['auth', 'users', 'jobs', 'common', 'config'],
  clients: ['auth', 'files', 'common', 'config'],
  pages: ['social', 'files', 'shakes', 'users', 'common', 'config'],
  account: ['auth', 'social', 'files', 'notifications', 'mail', 'shakes', 'users', 'jobs', 'common', 'config'],
};

const folderRules = Object.entries(ALLOWED).map(([folder, allowed]) => ({
  name: `${folder}-imports-only-${allowed.length ? allowed.join('-') : 'itself'}`,
  comment: `src/${folder}/ may import ${allowed.length ? allowed.map((f) => `src/${f}/`).join(', ') : 'nothing else in src/'}.`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: `^src/(${[folder, ...allowed].join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...folderRules,
    {
      name: 'unknown-folder',
      comment: 'Every folder of src/ has its arrows in .dependency-cruiser.cjs (and the README).',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${Object.keys(ALLOWED).join('|')})/` },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'No import cycles between files either.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.spec\\.ts$' },
  },
};

// For the test that keeps the README's drawing of these arrows true (test/architecture.spec.ts).
Object.defineProperty(module.exports, 'ALLOWED', { value: ALLOWED, enumerable: false });
