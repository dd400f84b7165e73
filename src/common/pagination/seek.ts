import type { Types } from 'mongoose';
import { type CursorKind, decodeCursor, encodeCursor } from './cursor';

/**
 * Which page of a newest-first list to read: the one right below a position (`before`: older, the next page),
 * the one right above it (`after`: newer, the previous page, or what arrived since), or the newest page.
 */
export interface Seek {
  direction: 'older' | 'newer';
  from?: Types.ObjectId;
  limit: number;
}

/** The query side of a two-way page: `before` and `after` are opaque cursors; at most one is set (the DTO checks). */
export interface TwoWayPageRequest {
  before?: string;
  after?: string;
  limit: number;
}

export function seekIn(kind: CursorKind, page: TwoWayPageRequest): Seek {
  if (page.after !== undefined) return { direction: 'newer', from: decodeCursor(kind, page.after, 'after'), limit: page.limit };
  return { direction: 'older', from: page.before === undefined ? undefined : decodeCursor(kind, page.before), limit: page.limit };
}

/**
 * The _id bound and sort of a seek on a list ordered by _id, newest first. A newer page is read upwards from the
 * position (ascending), so that it holds the items right above it, not the newest ones.
 */
export function idRange(seek: Seek): { bound: { _id?: { $lt: Types.ObjectId } | { $gt: Types.ObjectId } }; sort: { _id: 1 | -1 } } {
  if (seek.direction === 'newer') return { bound: seek.from ? { _id: { $gt: seek.from } } : {}, sort: { _id: 1 } };
  return { bound: seek.from ? { _id: { $lt: seek.from } } : {}, sort: { _id: -1 } };
}

/**
 * A page from rows read in the seek's order (limit + 1 of them): the items newest first, and whether more exist
 * beyond them in the direction read.
 */
export function pageFromRows<T>(rows: T[], seek: Seek): { items: T[]; more: boolean } {
  const items = rows.slice(0, seek.limit);
  if (seek.direction === 'newer') items.reverse();
  return { items, more: rows.length > seek.limit };
}

/**
 * A page of a list whose rows are their own positions (ordered by _id), read by `seek` as limit + 1 rows: the
 * items newest first and their cursors.
 */
export function keysetPage<T extends { _id: Types.ObjectId }>(kind: CursorKind, seek: Seek, rows: T[]): { items: T[] } & PageCursors {
  const { items, more } = pageFromRows(rows, seek);
  return { items, ...pageCursors(kind, seek, items[0]?._id, items.at(-1)?._id, more) };
}

export interface PageCursors {
  next: string | null;
  prev: string | null;
}

/**
 * The cursors of a page whose positions (newest first) were read by `seek`:
 * - `next` (pass as `before`) names the oldest position read; null when nothing older is left to read. A page
 *   read upwards always offers it, since it was reached from older items.
 * - `prev` (pass as `after`) names the newest position read, on every page that read anything: newer items can
 *   arrive at any time, so following `prev` is also how a client polls. An empty page hands back the cursor it
 *   was given, so polling can go on; a list with no items and no cursor gives null.
 */
export function pageCursors(
  kind: CursorKind,
  seek: Seek,
  newest: Types.ObjectId | undefined,
  oldest: Types.ObjectId | undefined,
  more: boolean,
): PageCursors {
  const older = seek.direction === 'older';
  return {
    next: oldest && (more || !older) ? encodeCursor(kind, oldest) : null,
    prev: newest ? encodeCursor(kind, newest) : seek.from ? encodeCursor(kind, seek.from) : null,
  };
}
