import { resolveByteRange } from './byte-range';
import { UnsatisfiableRangeError } from './storage.errors';

describe('resolveByteRange', () => {
  it('keeps a range inside the object', () => {
    expect(resolveByteRange({ start: 0, end: 0 }, 10)).toEqual({ start: 0, end: 0 });
    expect(resolveByteRange({ start: 3, end: 9 }, 10)).toEqual({ start: 3, end: 9 });
  });

  it('cuts a range ending past the object at its last byte', () => {
    expect(resolveByteRange({ start: 5, end: 1000 }, 10)).toEqual({ start: 5, end: 9 });
  });

  it('refuses a range starting past the object, including any range of an empty object', () => {
    expect(() => resolveByteRange({ start: 10, end: 20 }, 10)).toThrow(UnsatisfiableRangeError);
    expect(() => resolveByteRange({ start: 0, end: 0 }, 0)).toThrow(UnsatisfiableRangeError);
  });

  it.each([
    { start: -1, end: 3 },
    { start: 4, end: 3 },
    { start: 1.5, end: 3 },
    { start: 0, end: Number.NaN },
    { start: 0, end: Infinity },
  ])('refuses the malformed range %j', (range) => {
    expect(() => resolveByteRange(range)).toThrow(UnsatisfiableRangeError);
  });

  it('checks only the shape when the size is unknown', () => {
    expect(resolveByteRange({ start: 100, end: 200 })).toEqual({ start: 100, end: 200 });
  });
});
