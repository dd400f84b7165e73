import { Types } from 'mongoose';
import { mediaEntryOf } from './media-entry';
import { MediaEntryCache } from './media-entry-cache';

const entry = (key: string) =>
  mediaEntryOf(
    { key, userId: new Types.ObjectId(), _id: new Types.ObjectId() },
    { _id: new Types.ObjectId(), storageKey: `src-${key}`, sha256: 'ab'.repeat(32), size: 10, contentType: 'image/png', nsfw: false },
    null,
  );

describe('MediaEntryCache', () => {
  let now = 1_000_000;
  const clock = () => now;
  const make = (maxEntries = 3) => new MediaEntryCache({ maxEntries, maxLagMs: 3000, ttlMs: 60_000, now: clock });
  /** A cache whose feed just confirmed, holding the given keys. */
  const holding = (cache: MediaEntryCache, ...keys: string[]) => {
    cache.confirm(now);
    for (const key of keys) cache.set(entry(key), cache.loadStarted());
    return cache;
  };

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = holding(make(3), 'a', 'b', 'c');
    cache.get('a'); // b is now the least recently used
    cache.set(entry('d'), cache.loadStarted());
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((key) => cache.get(key)?.key)).toEqual(['a', 'c', 'd']);
  });

  it('keeps nothing with maxEntries 0', () => {
    const cache = holding(make(0), 'a');
    expect(cache.size).toBe(0);
    expect(cache.get('a')).toBeUndefined();
  });

  it('serves only while the feed confirmed within the bound, and drops everything past it', () => {
    const cache = holding(make(), 'a');
    now += 3000;
    expect(cache.get('a')?.key).toBe('a');
    now += 1;
    expect(cache.trusted).toBe(false);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.confirm(now);
    expect(cache.get('a')).toBeUndefined(); // gone, not merely hidden: the database is asked again
  });

  it('never caches before the feed was first read, nor while it is behind', () => {
    const cache = make();
    cache.set(entry('a'), cache.loadStarted());
    expect(cache.size).toBe(0);
    cache.confirm(now);
    now += 5000;
    cache.set(entry('b'), cache.loadStarted());
    expect(cache.size).toBe(0);
  });

  it('does not keep a load that an invalidation overtook', () => {
    const cache = holding(make());
    const started = cache.loadStarted();
    cache.evict(['some-other-key']);
    cache.set(entry('a'), started);
    expect(cache.get('a')).toBeUndefined();
    cache.set(entry('a'), cache.loadStarted());
    expect(cache.get('a')?.key).toBe('a');
  });

  it('evicts the keys it is told, and flushes everything', () => {
    const cache = holding(make(), 'a', 'b', 'c');
    cache.evict(['a']);
    expect([cache.get('a'), cache.get('b')?.key]).toEqual([undefined, 'b']);
    cache.flush();
    expect(cache.size).toBe(0);
  });

  it('lets an entry live no longer than its TTL', () => {
    const cache = new MediaEntryCache({ maxEntries: 10, maxLagMs: 3000, ttlMs: 10_000, now: clock });
    holding(cache, 'a');
    now += 10_001;
    cache.confirm(now);
    expect(cache.get('a')).toBeUndefined();
  });
});
