import { resourceKeyOf } from './response-cache.interceptor';

describe('resourceKeyOf', () => {
  const key = (originalUrl: string) => resourceKeyOf({ originalUrl });

  it('is one key for the same query in any order', () => {
    expect(key('/api/v1/search?q=cats&limit=5')).toBe(key('/api/v1/search?limit=5&q=cats'));
  });

  it('tells apart paths, values and repeated parameters', () => {
    const keys = new Set([
      key('/api/v1/search?q=cats&limit=5'),
      key('/api/v1/search?q=cats&limit=6'),
      key('/api/v1/search?q=dogs&limit=5'),
      key('/api/v1/shakes/cats/files'),
      key('/api/v1/shakes/cats'),
      key('/api/v1/search?q=cats&q=dogs'),
    ]);
    expect(keys.size).toBe(6);
  });

  it('is a short, safe Redis key part whatever the URL holds', () => {
    expect(key(`/api/v1/search?q=${'x'.repeat(5000)}%0A%20*`)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
