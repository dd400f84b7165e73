import { PresignedUrlCache } from './presigned-url-cache';

describe('PresignedUrlCache', () => {
  let clock = 0;
  let signed = 0;
  const sign = (key: string) => async () => `${key}?signature=${++signed}`;
  beforeEach(() => {
    clock = 0;
    signed = 0;
  });

  it('hands out one URL while it is young, then signs a new one', async () => {
    const cache = new PresignedUrlCache(60_000, 10, () => clock);
    expect(await cache.get('a', sign('a'))).toBe('a?signature=1');
    clock = 59_999;
    expect(await cache.get('a', sign('a'))).toBe('a?signature=1');
    expect(await cache.get('b', sign('b'))).toBe('b?signature=2');
    clock = 60_000;
    expect(await cache.get('a', sign('a'))).toBe('a?signature=3');
  });

  it('keeps at most maxEntries, forgetting the oldest first', async () => {
    const cache = new PresignedUrlCache(60_000, 2, () => clock);
    await cache.get('a', sign('a'));
    await cache.get('b', sign('b'));
    await cache.get('c', sign('c'));
    expect(await cache.get('b', sign('b'))).toBe('b?signature=2');
    expect(await cache.get('a', sign('a'))).toBe('a?signature=4');
  });
});
