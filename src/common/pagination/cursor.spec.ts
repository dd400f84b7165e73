import { Types } from 'mongoose';
import { InvalidInputError } from '../errors/domain-errors';
import { cursorAbove, decodeCursor, encodeCursor, tryDecodeCursor } from './cursor';

describe('cursors', () => {
  const id = new Types.ObjectId('65a1b2c3d4e5f60718293a4b');
  /** The same bytes with unused low bits set in the last character: decoders accept it, we do not. */
  const nonCanonical = (cursor: string) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(cursor.slice(-1));
    return `${cursor.slice(0, -1)}${alphabet[last + 1]}`;
  };
  const forge = (text: string) => Buffer.from(text).toString('base64url');

  it('round-trips a position through an opaque url-safe string', () => {
    const cursor = encodeCursor('followers', id);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(id.toHexString());
    expect(decodeCursor('followers', cursor).equals(id)).toBe(true);
  });

  it('has a non-canonical twin that Node would decode to the same bytes (so refusing it below means something)', () => {
    const cursor = encodeCursor('followers', id);
    expect(Buffer.from(nonCanonical(cursor), 'base64url').equals(Buffer.from(cursor, 'base64url'))).toBe(true);
  });

  it('refuses a cursor of another list', () => {
    expect(tryDecodeCursor('notifications', encodeCursor('followers', id))).toBeNull();
    expect(() => decodeCursor('following', encodeCursor('notifications', id))).toThrow(InvalidInputError);
  });

  it.each([
    ['an empty string', ''],
    ['a raw ObjectId', id.toHexString()],
    ['plain text', 'page2'],
    ['standard base64 with padding', Buffer.from(`c1|followers|${id.toHexString()}`).toString('base64')],
    ['base64url with a stray character', `${encodeCursor('followers', id)}*`],
    ['a non-canonical spelling of a real cursor', nonCanonical(encodeCursor('followers', id))],
    ['another version', forge(`c2|followers|${id.toHexString()}`)],
    ['an unknown kind', forge(`c1|users|${id.toHexString()}`)],
    ['upper-case hex', forge(`c1|followers|${id.toHexString().toUpperCase()}`)],
    ['a short id', forge('c1|followers|abc')],
    ['an operator smuggled in', forge('c1|followers|{"$gt":""}')],
    ['extra fields', forge(`c1|followers|${id.toHexString()}|x`)],
    ['a very long text', 'A'.repeat(5000)],
  ])('refuses %s', (_, text) => {
    expect(tryDecodeCursor('followers', text)).toBeNull();
    expect(() => decodeCursor('followers', text)).toThrow(/before is not a cursor of this list/);
  });

  it('places cursorAbove just past the item, so "before" it includes the item and nothing newer', () => {
    const above = decodeCursor('notifications', cursorAbove('notifications', id));
    expect(above.toHexString()).toBe('65a1b2c3d4e5f60718293a4c');
    const carry = decodeCursor('notifications', cursorAbove('notifications', new Types.ObjectId('65a1b2c3d4e5f607182939ff')));
    expect(carry.toHexString()).toBe('65a1b2c3d4e5f60718293a00');
  });
});
