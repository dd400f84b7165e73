import { rankOf } from './ranking';

const day = 24 * 3600 * 1000;

describe('search ranking', () => {
  const now = new Date('2026-03-01T12:00:00Z');

  it('ranks a more-liked entry above an equally old one', () => {
    expect(rankOf(5, now)).toBeGreaterThan(rankOf(1, now));
    expect(rankOf(1, now)).toBeGreaterThan(rankOf(0, now));
  });

  it('ranks a newer entry above an equally liked older one', () => {
    expect(rankOf(3, new Date(now.getTime() + 1000))).toBeGreaterThan(rankOf(3, now));
  });

  it('trades ten times the likes for thirty days of recency', () => {
    const older = rankOf(9, new Date(now.getTime() - 30 * day));
    expect(older).toBeCloseTo(rankOf(0, now) + 0, 9);
    expect(rankOf(9, new Date(now.getTime() - 31 * day))).toBeLessThan(rankOf(0, now));
  });

  it('is stable: the same inputs always give the same rank', () => {
    expect(rankOf(7, now)).toBe(rankOf(7, new Date(now.getTime())));
  });

  it('treats impossible negative counts as none', () => {
    expect(rankOf(-4, now)).toBe(rankOf(0, now));
  });
});
