import { LRUCache } from 'lru-cache';
import type { Readable } from 'node:stream';

export interface MediaBytesCacheOptions {
  /** Total bytes kept; 0 turns the cache off. */
  maxBytes: number;
  /** Objects larger than this are never kept. */
  maxObjectBytes: number;
}

async function collect(stream: Readable, expected: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  const bytes = Buffer.concat(chunks, length);
  if (bytes.length !== expected) throw new Error(`read ${bytes.length} bytes where ${expected} were stored`);
  return bytes;
}

/**
 * The bytes of small stored objects (thumbnails, small images), least recently used dropped first, bounded in
 * total bytes. Keyed by storage key: a storage key is random per stored object and never names other bytes, so
 * entries never go stale (a deleted post stops being served by its MediaEntry going, not by this cache).
 * Concurrent misses for one object share one read.
 */
export class MediaBytesCache {
  private readonly objects?: LRUCache<string, Buffer, { open: () => Promise<Readable>; size: number }>;
  private readonly maxObjectBytes: number;

  constructor(options: MediaBytesCacheOptions) {
    this.maxObjectBytes = Math.min(options.maxObjectBytes, options.maxBytes);
    if (options.maxBytes > 0 && this.maxObjectBytes > 0) {
      this.objects = new LRUCache({
        maxSize: options.maxBytes,
        maxEntrySize: this.maxObjectBytes,
        sizeCalculation: (bytes) => Math.max(1, bytes.length),
        fetchMethod: async (_key, _stale, { context }) => collect(await context.open(), context.size),
      });
    }
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.objects?.calculatedSize ?? 0;
  }

  accepts(size: number): boolean {
    return this.objects !== undefined && size <= this.maxObjectBytes;
  }

  /** The object's bytes, from memory or read once with `open`; undefined when the object is not for this cache. */
  async get(storageKey: string, size: number, open: () => Promise<Readable>): Promise<Buffer | undefined> {
    if (!this.objects || !this.accepts(size)) return undefined;
    return this.objects.get(storageKey) ?? this.objects.fetch(storageKey, { context: { open, size } });
  }
}
