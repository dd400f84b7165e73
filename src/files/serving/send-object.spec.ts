import { planResponse, RangeNotSatisfiableError } from './send-object';

const object = { etag: '"abc"', size: 1000 };
const plan = (headers: Record<string, string>) => planResponse({ headers }, object);

describe('planResponse', () => {
  it('answers 200 with no conditions', () => {
    expect(plan({})).toEqual({ status: 200 });
  });

  it.each(['"abc"', 'W/"abc"', '"x", "abc"', '*'])('answers 304 for If-None-Match %s', (value) => {
    expect(plan({ 'if-none-match': value })).toEqual({ status: 304 });
  });

  it('ignores a non-matching If-None-Match', () => {
    expect(plan({ 'if-none-match': '"other"' })).toEqual({ status: 200 });
  });

  it.each([
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=-10', { start: 990, end: 999 }],
    ['bytes=500-5000', { start: 500, end: 999 }],
    ['bytes=0-10,5-20', { start: 0, end: 20 }],
  ])('answers 206 for %s', (range, expected) => {
    expect(plan({ range })).toEqual({ status: 206, range: expected });
  });

  it('answers several disjoint ranges with the whole file', () => {
    expect(plan({ range: 'bytes=0-10,500-510' })).toEqual({ status: 200 });
  });

  it.each(['bytes=abc', 'items=0-10', 'bytes=10-5'])('ignores the malformed range %s', (range) => {
    expect(plan({ range })).toEqual({ status: 200 });
  });

  it('refuses an unsatisfiable range with 416', () => {
    expect(() => plan({ range: 'bytes=1000-1010' })).toThrow(RangeNotSatisfiableError);
  });

  it('honours a range only while If-Range still matches', () => {
    expect(plan({ range: 'bytes=0-9', 'if-range': '"abc"' })).toEqual({ status: 206, range: { start: 0, end: 9 } });
    expect(plan({ range: 'bytes=0-9', 'if-range': '"old"' })).toEqual({ status: 200 });
  });
});
