import { Types } from 'mongoose';
import { InvalidInputError } from '../errors/domain-errors';

/** The lists that hand out cursors; a cursor from one list is refused by every other. */
export type CursorKind =
  | 'followers'
  | 'following'
  | 'notifications'
  | 'shake-files'
  | 'timeline'
  | 'incoming'
  | 'popular'
  | 'magic'
  | 'tags'
  | 'likes'
  | 'comments';

const VERSION = 'c1';
const ENCODED = /^[A-Za-z0-9_-]{1,200}$/;
const OBJECT_ID = /^[0-9a-f]{24}$/;

/**
 * A keyset position in a list, named by the _id of the last item shown (most lists are ordered by _id, newest
 * first; the others look that item up for their sort key): "c1|<kind>|<24 hex>" in base64url. Opaque to
 * clients; decoding is strict (canonical base64url, known version and kind, a well-formed id), so anything
 * that was not produced here is a 400, never a query.
 */
export function encodeCursor(kind: CursorKind, id: Types.ObjectId): string {
  return Buffer.from(`${VERSION}|${kind}|${id.toHexString()}`, 'utf8').toString('base64url');
}

/** The position in the cursor, or null when the text is not a cursor of this list. */
export function tryDecodeCursor(kind: CursorKind, text: string): Types.ObjectId | null {
  if (!ENCODED.test(text)) return null;
  const decoded = Buffer.from(text, 'base64url');
  // Node's decoder skips stray characters; re-encoding catches any text that is not exactly ours.
  if (decoded.toString('base64url') !== text) return null;
  const [version, cursorKind, id, ...rest] = decoded.toString('utf8').split('|');
  if (version !== VERSION || cursorKind !== kind || rest.length > 0 || !id || !OBJECT_ID.test(id)) return null;
  return new Types.ObjectId(id);
}

/** Like tryDecodeCursor, for request input: a foreign or damaged cursor is the client's error. */
export function decodeCursor(kind: CursorKind, text: string, field = 'before'): Types.ObjectId {
  const id = tryDecodeCursor(kind, text);
  if (!id) throw new InvalidInputError(`${field} is not a cursor of this list: pass a value this list returned`);
  return id;
}

/**
 * The cursor just above an item: "before" it includes that item. Lets a client say "everything up to what I
 * was shown" without the _id of the next item, which it has not seen.
 */
export function cursorAbove(kind: CursorKind, id: Types.ObjectId): string {
  const next = BigInt(`0x${id.toHexString()}`) + 1n;
  return encodeCursor(kind, new Types.ObjectId(next.toString(16).padStart(24, '0')));
}
