import { InvalidInputError } from '../../common/errors/domain-errors';
import { decodeCursor, encodeCursor, searchFingerprint } from './search-cursor';

describe('search cursors', () => {
  const fingerprint = searchFingerprint({ kind: 'file', words: ['cat'] });
  const position = { tier: 1, rank: 12.345678901234567, id: 'file:65f0c0ffee00000000000001' };
  const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  it('gives back exactly the position it was made from', () => {
    const cursor = encodeCursor(fingerprint, position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor, fingerprint, 2)).toEqual(position);
  });

  it('differs for different searches', () => {
    expect(searchFingerprint({ kind: 'file', words: ['cat'] })).toBe(fingerprint);
    expect(searchFingerprint({ kind: 'file', words: ['cats'] })).not.toBe(fingerprint);
  });

  it.each([
    ['garbage', 'not a cursor!'],
    ['not base64 JSON', Buffer.from('hello').toString('base64url')],
    ['JSON that is not an object', base64(42)],
    ['another search', encodeCursor(searchFingerprint({ other: true }), position)],
    ['a tier past the last', encodeCursor(fingerprint, { ...position, tier: 2 })],
    ['a negative tier', encodeCursor(fingerprint, { ...position, tier: -1 })],
    ['an operator as id', base64({ v: 1, s: fingerprint, t: 0, r: 1, i: { $gt: '' } })],
    ['a foreign id', encodeCursor(fingerprint, { ...position, id: 'post:1' })],
    ['a rank that is not a number', base64({ v: 1, s: fingerprint, t: 0, r: '1', i: position.id })],
    ['another version', base64({ v: 2, s: fingerprint, t: 0, r: 1, i: position.id })],
    ['an overlong cursor', 'A'.repeat(600)],
  ])('refuses %s with a 400', (_, cursor) => {
    expect(() => decodeCursor(cursor, fingerprint, 2)).toThrow(InvalidInputError);
    expect(() => decodeCursor(cursor, fingerprint, 2)).toThrow(/cursor is not a cursor of this search/);
  });
});
