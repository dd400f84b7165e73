import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIGURES_DIR, figuresTable, type FigureRow } from './figures';
import { ROOT } from './rig';

/** Puts the figures of the last `npm run test:faults` into the README's Reliability section (npm run reliability:faults). */
const START = '<!-- fault-figures:start -->';
const END = '<!-- fault-figures:end -->';

const { date, commit, rows } = JSON.parse(readFileSync(join(FIGURES_DIR, 'figures.json'), 'utf8')) as {
  date: string;
  commit: string;
  rows: FigureRow[];
};
const readmePath = join(ROOT, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const [before, rest] = readme.split(START);
if (rest === undefined || !rest.includes(END)) throw new Error(`README.md has no ${START} … ${END} block`);
const after = rest.slice(rest.indexOf(END));
const block = `\nProduced on ${date} at commit ${commit} by \`npm run reliability:faults\`:\n\n${figuresTable(rows)}\n`;
writeFileSync(readmePath, `${before}${START}${block}${after}`);
process.stdout.write(`README.md: ${rows.length} fault scenarios from ${date} (${commit})\n`);
