import { Readable } from 'node:stream';
import { MediaBytesCache } from './media-bytes-cache';

describe('MediaBytesCache', () => {
  let opened: string[];
  const bytes = (key: string, size: number) => Buffer.alloc(size, key.charCodeAt(0));
  const get = (cache: MediaBytesCache, key: string, size: number) =>
    cache.get(key, size, async () => {
      opened.push(key);
      return Readable.from([bytes(key, size)]);
    });
  beforeEach(() => (opened = []));

  it('holds at most maxBytes in total, dropping the least recently used', async () => {
    const cache = new MediaBytesCache({ maxBytes: 300, maxObjectBytes: 200 });
    for (const key of ['a', 'b', 'c']) await get(cache, key, 100);
    expect(cache.heldBytes).toBe(300);
    await get(cache, 'a', 100); // from memory; b is now the least recently used
    await get(cache, 'd', 150);
    expect(cache.heldBytes).toBeLessThanOrEqual(300);
    opened = [];
    expect((await get(cache, 'a', 100))?.equals(bytes('a', 100))).toBe(true);
    expect(opened).toEqual([]);
    await get(cache, 'b', 100);
    expect(opened).toEqual(['b']);
  });

  it('never keeps an object over maxObjectBytes, and keeps nothing with maxBytes 0', async () => {
    const cache = new MediaBytesCache({ maxBytes: 1000, maxObjectBytes: 100 });
    expect(await get(cache, 'big', 101)).toBeUndefined();
    expect(opened).toEqual([]); // the caller streams it from the store instead
    expect(cache.heldBytes).toBe(0);
    const off = new MediaBytesCache({ maxBytes: 0, maxObjectBytes: 100 });
    expect(await get(off, 'a', 10)).toBeUndefined();
  });

  it('reads an object once for concurrent misses', async () => {
    const cache = new MediaBytesCache({ maxBytes: 1000, maxObjectBytes: 100 });
    const all = await Promise.all([get(cache, 'a', 50), get(cache, 'a', 50), get(cache, 'a', 50)]);
    expect(all.every((b) => b?.equals(bytes('a', 50)))).toBe(true);
    expect(opened).toEqual(['a']);
  });

  it('streams a miss instead of reading it into memory once the reads in flight hold a quarter of maxBytes', async () => {
    const cache = new MediaBytesCache({ maxBytes: 400, maxObjectBytes: 100 });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = (key: string) =>
      cache.get(key, 60, async () => {
        await gate;
        return Readable.from([bytes(key, 60)]);
      });
    const first = slow('a'); // 60 of the 100 bytes allowed in flight
    const again = slow('a'); // the same read, no more memory
    expect(cache.inFlightBytes).toBe(60);
    expect(await slow('b')).toBeUndefined(); // 120 > 100: the caller streams it
    release();
    expect((await first)?.equals(bytes('a', 60))).toBe(true);
    expect((await again)?.equals(bytes('a', 60))).toBe(true);
    expect(cache.inFlightBytes).toBe(0);
    expect((await get(cache, 'b', 60))?.equals(bytes('b', 60))).toBe(true); // room again
    expect(cache.heldBytes).toBe(120);
  });

  it('refuses bytes that do not match the stored size rather than serving them', async () => {
    const cache = new MediaBytesCache({ maxBytes: 1000, maxObjectBytes: 100 });
    await expect(cache.get('short', 50, async () => Readable.from([Buffer.alloc(20)]))).rejects.toThrow(/20 bytes/);
    expect(cache.heldBytes).toBe(0);
    expect(cache.inFlightBytes).toBe(0);
  });
});
