import { execFileSync } from 'node:child_process';
import { writeFigures } from './figures';
import { ROOT } from './rig';

/** The figures of the scenarios that passed, as JSON and as a Markdown table (see npm run reliability:faults). */
export default function globalTeardown(): void {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  const { markdown } = writeFigures({ date: new Date().toISOString().slice(0, 10), commit });
  process.stdout.write(`\nFault figures: ${markdown}\n`);
}
