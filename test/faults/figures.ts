import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIGURES_DIR = join(__dirname, '..', '..', '.cache', 'faults');
const ROWS_DIR = join(FIGURES_DIR, 'rows');

/** One row of the reliability table: what a scenario did to the system, what held, and its numbers. */
export interface FigureRow {
  order: number;
  scenario: string;
  done: string;
  held: string;
  numbers: string;
}

/** Called by a scenario once all its assertions passed. */
export function recordFigure(row: FigureRow): void {
  mkdirSync(ROWS_DIR, { recursive: true });
  writeFileSync(join(ROWS_DIR, `${String(row.order).padStart(2, '0')}.json`), JSON.stringify(row, null, 2));
}

export function clearFigures(): void {
  mkdirSync(ROWS_DIR, { recursive: true });
  for (const file of readdirSync(ROWS_DIR)) rmSync(join(ROWS_DIR, file));
}

export function readFigures(): FigureRow[] {
  mkdirSync(ROWS_DIR, { recursive: true });
  return readdirSync(ROWS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(ROWS_DIR, file), 'utf8')) as FigureRow);
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function figuresTable(rows: FigureRow[]): string {
  return [
    '| Scenario | What was done | What held | Numbers |',
    '| --- | --- | --- | --- |',
    ...rows.map((row) => `| ${cell(row.scenario)} | ${cell(row.done)} | ${cell(row.held)} | ${cell(row.numbers)} |`),
  ].join('\n');
}

/** Writes figures.json and figures.md beside the rows. */
export function writeFigures(meta: { date: string; commit: string }): { json: string; markdown: string } {
  const rows = readFigures();
  const json = join(FIGURES_DIR, 'figures.json');
  const markdown = join(FIGURES_DIR, 'figures.md');
  writeFileSync(json, JSON.stringify({ ...meta, rows }, null, 2));
  writeFileSync(markdown, `${figuresTable(rows)}\n`);
  return { json, markdown };
}
