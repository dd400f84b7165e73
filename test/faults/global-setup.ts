import { spawnSync } from 'node:child_process';
import { buildMongoTestServer } from '../../src/dev/mongo-test-server';
import { clearFigures } from './figures';
import { ROOT } from './rig';

/** Builds what every scenario starts: dist/main.js (so processes start fast) and the FerretDB test server. */
export default function globalSetup(): void {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0) throw new Error('redis-server is not on PATH');
  buildMongoTestServer();
  // FAULTS_SKIP_BUILD=1 reuses dist/ while working on a scenario.
  const build = process.env.FAULTS_SKIP_BUILD
    ? { status: 0 }
    : spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('nest build failed');
  clearFigures();
}
