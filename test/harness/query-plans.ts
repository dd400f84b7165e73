import type { Connection } from 'mongoose';
import mongoose from 'mongoose';

export interface RecordedQuery {
  collection: string;
  method: string;
  filter: Record<string, unknown>;
  sort: Record<string, 1 | -1>;
}

const READS = new Set(['find', 'findOne', 'countDocuments']);

/**
 * Every read the application sends to the database while `action` runs, as Mongoose reports them (the app and
 * the test share one Mongoose, so its debug hook sees the app's queries).
 */
export async function recordReads(action: () => Promise<unknown>): Promise<RecordedQuery[]> {
  const recorded: RecordedQuery[] = [];
  mongoose.set('debug', (collection: string, method: string, ...args: unknown[]) => {
    if (!READS.has(method)) return;
    const [filter, options] = args as [Record<string, unknown> | undefined, { sort?: Record<string, 1 | -1> } | undefined];
    recorded.push({ collection, method, filter: filter ?? {}, sort: options?.sort ?? {} });
  });
  try {
    await action();
  } finally {
    mongoose.set('debug', false);
  }
  return recorded;
}

type IndexKeys = Record<string, number>;

const isOperatorObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.keys(value).some((key) => key.startsWith('$')) &&
  !(value instanceof Date);

/** Fields the filter pins to one value (or a list of values: $in, which an index serves as several ranges merged). */
function equalityFields(filter: Record<string, unknown>): Set<string> {
  return new Set(
    Object.entries(filter)
      .filter(
        ([field, value]) =>
          !field.startsWith('$') && (!isOperatorObject(value) || Object.keys(value).every((op) => op === '$in' || op === '$eq')),
      )
      .map(([field]) => field),
  );
}

/** Fields the filter bounds or tests at all (so an index can start there when there is no sort to serve). */
const filteredFields = (filter: Record<string, unknown>) => new Set(Object.keys(filter).filter((field) => !field.startsWith('$')));

/**
 * Whether an index serves this query by the usual rule (equality fields first, then the sort, in the index's order
 * or wholly reversed): its keys start with fields the filter pins, and the sort follows right after them; with no
 * sort, its first key must be a field the filter uses. An index that only gives the order is not enough: the
 * scan must be bounded, by a pinned prefix or by the filter on the first sort field (else it reads everything).
 */
export function indexServes(keys: IndexKeys, filter: Record<string, unknown>, sort: Record<string, 1 | -1>): boolean {
  const fields = Object.keys(keys);
  const sortFields = Object.entries(sort);
  const equal = equalityFields(filter);
  if (sortFields.length === 0) return filteredFields(filter).has(fields[0]);
  for (let prefix = 0; prefix + sortFields.length <= fields.length; prefix++) {
    if (!fields.slice(0, prefix).every((field) => equal.has(field))) return false;
    const directions = sortFields.map(([field, direction], i) => (fields[prefix + i] === field ? Math.sign(keys[field]) * direction : 0));
    const ordered = directions.every((d) => d === 1) || directions.every((d) => d === -1);
    if (ordered && (prefix > 0 || filteredFields(filter).has(sortFields[0][0]))) return true;
  }
  return false;
}

interface PlanStage {
  stage?: string;
  inputStage?: PlanStage;
  inputStages?: PlanStage[];
  queryPlan?: PlanStage;
}

const stagesOf = (plan: PlanStage | undefined): string[] =>
  plan ? [plan.stage ?? '', ...stagesOf(plan.inputStage), ...stagesOf(plan.queryPlan), ...(plan.inputStages ?? []).flatMap(stagesOf)] : [];

export interface PlanVerdict {
  /** 'mongodb': the server's own plan was read; 'shape': the server cannot show index use, the shape was checked. */
  method: 'mongodb' | 'shape';
  usesIndex: boolean;
  detail: string;
}

/**
 * Asks the server how it runs a recorded query. MongoDB's explain names its stages (IXSCAN, IDHACK... or COLLSCAN).
 * FerretDB 1.24 on SQLite answers explain with the SQLite plan ("SCAN <table>") and pushdown flags, and pushes
 * down little besides _id equality, so it shows no index use even where MongoDB would use one; there the query
 * shape is checked against the indexes the server lists instead (the indexes exist, and a MongoDB planner would
 * pick one), which is the part of "uses an index" that this project's code controls.
 */
export async function explainRead(connection: Connection, query: RecordedQuery): Promise<PlanVerdict> {
  const collection = connection.db!.collection(query.collection);
  const explained = (await collection.find(query.filter, { sort: query.sort, limit: 11 }).explain()) as {
    queryPlanner?: { winningPlan?: PlanStage; Plan?: unknown };
  };
  const winning = explained.queryPlanner?.winningPlan;
  if (winning) {
    const stages = stagesOf(winning);
    const usesIndex = stages.some((stage) => /IXSCAN|IDHACK|EXPRESS/.test(stage)) && !stages.includes('COLLSCAN');
    return { method: 'mongodb', usesIndex, detail: stages.join(' < ') };
  }
  const indexes = (await collection.indexes()) as { name?: string; key: IndexKeys }[];
  const serving = indexes.find((index) => indexServes(index.key, query.filter, query.sort));
  return {
    method: 'shape',
    usesIndex: serving !== undefined,
    detail: serving ? `index ${serving.name}` : `no index of ${indexes.map((i) => JSON.stringify(i.key)).join(', ')}`,
  };
}
