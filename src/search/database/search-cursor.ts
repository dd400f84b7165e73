import { createHash } from 'node:crypto';
import { InvalidInputError } from '../../common/errors/domain-errors';

/**
 * Where a page ended: the tier (0 whole-word matches, 1 prefix matches), and the rank and id of its last
 * entry. Opaque to clients (base64url of JSON), bound to the search it came from by a hash of that search, and
 * checked field by field when it comes back: anything else is a 400, never a query.
 */
export interface SearchPosition {
  tier: number;
  rank: number;
  id: string;
}

const CURSOR_VERSION = 1;
const MAX_CURSOR_LENGTH = 512;
const ENTRY_ID = /^(file|shake|user):[0-9a-f]{24}$/;

/** A short fingerprint of everything that decides the result list (not the page size). */
export function searchFingerprint(search: unknown): string {
  return createHash('sha256').update(JSON.stringify(search)).digest('base64url').slice(0, 16);
}

export function encodeCursor(fingerprint: string, position: SearchPosition): string {
  const body = { v: CURSOR_VERSION, s: fingerprint, t: position.tier, r: position.rank, i: position.id };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(cursor: string, fingerprint: string, tiers: number): SearchPosition {
  const invalid = new InvalidInputError(
    'cursor is not a cursor of this search: pass the `next` value of the previous page, with the same q, type and originals',
  );
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalid;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  if (typeof body !== 'object' || body === null) throw invalid;
  const { v, s, t, r, i } = body as Record<string, unknown>;
  const valid =
    v === CURSOR_VERSION &&
    s === fingerprint &&
    Number.isInteger(t) &&
    (t as number) >= 0 &&
    (t as number) < tiers &&
    typeof r === 'number' &&
    Number.isFinite(r) &&
    typeof i === 'string' &&
    ENTRY_ID.test(i);
  if (!valid) throw invalid;
  return { tier: t as number, rank: r as number, id: i as string };
}
