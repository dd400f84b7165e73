import { popularScore } from './popular-score';

describe('popularScore', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

  it('is likes / (minutes + 3)^1.5', () => {
    expect(popularScore(10, ago(6), now)).toBeCloseTo(10 / 27, 10);
    expect(popularScore(0, ago(1), now)).toBe(0);
  });

  it('lets a fresh file with few likes outrank an old one with many', () => {
    expect(popularScore(3, ago(10), now)).toBeGreaterThan(popularScore(50, ago(24 * 60), now));
  });

  it('treats a creation time in the future (clock skew) as now', () => {
    expect(popularScore(3, ago(-5), now)).toBe(popularScore(3, now, now));
  });
});
