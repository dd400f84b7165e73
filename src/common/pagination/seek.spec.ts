import { Types } from 'mongoose';
import { decodeCursor, encodeCursor } from './cursor';
import { idRange, pageCursors, pageFromRows, seekIn } from './seek';

describe('seeking in a newest-first list', () => {
  const [a, b, c] = ['65a1b2c3d4e5f60718293a01', '65a1b2c3d4e5f60718293a02', '65a1b2c3d4e5f60718293a03'].map(
    (id) => new Types.ObjectId(id),
  );
  const cursor = (id: Types.ObjectId) => encodeCursor('incoming', id);

  it('reads older with before (or from the top), newer with after, and names the field of a bad cursor', () => {
    expect(seekIn('incoming', { limit: 5 })).toEqual({ direction: 'older', from: undefined, limit: 5 });
    expect(seekIn('incoming', { before: cursor(b), limit: 5 })).toMatchObject({ direction: 'older', from: b });
    expect(seekIn('incoming', { after: cursor(b), limit: 5 })).toMatchObject({ direction: 'newer', from: b });
    expect(() => seekIn('incoming', { after: encodeCursor('tags', b), limit: 5 })).toThrow(/^after is not a cursor/);
    expect(() => seekIn('incoming', { before: 'x', limit: 5 })).toThrow(/^before is not a cursor/);
  });

  it('bounds and sorts by _id away from the cursor', () => {
    expect(idRange({ direction: 'older', limit: 2 })).toEqual({ bound: {}, sort: { _id: -1 } });
    expect(idRange({ direction: 'older', from: b, limit: 2 })).toEqual({ bound: { _id: { $lt: b } }, sort: { _id: -1 } });
    expect(idRange({ direction: 'newer', from: b, limit: 2 })).toEqual({ bound: { _id: { $gt: b } }, sort: { _id: 1 } });
  });

  it('turns rows read upwards around, so pages are always newest first', () => {
    expect(pageFromRows([c, b, a], { direction: 'older', limit: 2 })).toEqual({ items: [c, b], more: true });
    expect(pageFromRows([a, b, c], { direction: 'newer', from: a, limit: 2 })).toEqual({ items: [b, a], more: true });
    expect(pageFromRows([a], { direction: 'newer', from: a, limit: 2 })).toEqual({ items: [a], more: false });
  });

  it('gives next only while older items may be left, and prev on every page that read something', () => {
    const at = (text: string | null) => (text === null ? null : decodeCursor('incoming', text).toHexString());
    const both = (cursors: { next: string | null; prev: string | null }) => ({ next: at(cursors.next), prev: at(cursors.prev) });
    expect(both(pageCursors('incoming', { direction: 'older', limit: 2 }, c, b, true))).toEqual({
      next: b.toHexString(),
      prev: c.toHexString(),
    });
    expect(both(pageCursors('incoming', { direction: 'older', limit: 2 }, c, b, false))).toEqual({ next: null, prev: c.toHexString() });
    expect(both(pageCursors('incoming', { direction: 'newer', from: a, limit: 2 }, c, b, false))).toEqual({
      next: b.toHexString(),
      prev: c.toHexString(),
    });
    // Empty pages: the cursor asked with comes back as prev (to poll with); an empty list without one has none.
    expect(both(pageCursors('incoming', { direction: 'newer', from: c, limit: 2 }, undefined, undefined, false))).toEqual({
      next: null,
      prev: c.toHexString(),
    });
    expect(both(pageCursors('incoming', { direction: 'older', from: a, limit: 2 }, undefined, undefined, false))).toEqual({
      next: null,
      prev: a.toHexString(),
    });
    expect(pageCursors('incoming', { direction: 'older', limit: 2 }, undefined, undefined, false)).toEqual({ next: null, prev: null });
  });
});
