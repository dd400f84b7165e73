import { LRUCache } from 'lru-cache';
import type { Readable } from 'node:stream';

export interface MediaBytesCacheOptions {
  /** Total bytes kept; 0 turns the cache off. */
  maxBytes: number;
  /** Objects larger than this are never kept. */
  maxObjectBytes: number;
}

/** The share of maxBytes that reads into memory may hold while they are still in flight. */
const FILLING_SHARE = 0.25;

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
 * The bytes of stored objects up to maxObjectBytes (thumbnails, small versions, originals of a few MB), least
 * recently used dropped first, bounded in total bytes. Keyed by storage key: a storage key is random per stored
 * object and never names other bytes, so entries never go stale (a deleted post stops being served by its
 * MediaEntry going, not by this cache). Concurrent misses for one object share one read, and the reads in flight
 * hold at most a quarter of maxBytes between them: a miss past that is streamed from the store instead, so many
 * distinct misses at once (a crawler) cannot buffer without bound. Memory: at most 1.25 x maxBytes.
 */
export class MediaBytesCache {
  private readonly objects?: LRUCache<string, Buffer>;
  private readonly maxObjectBytes: number;
  private readonly maxFillingBytes: number;
  private readonly filling = new Map<string, Promise<Buffer>>();
  private fillingBytes = 0;

  constructor(options: MediaBytesCacheOptions) {
    this.maxObjectBytes = Math.min(options.maxObjectBytes, options.maxBytes);
    this.maxFillingBytes = Math.max(this.maxObjectBytes, Math.floor(options.maxBytes * FILLING_SHARE));
    if (options.maxBytes > 0 && this.maxObjectBytes > 0) {
      this.objects = new LRUCache({
        maxSize: options.maxBytes,
        maxEntrySize: this.maxObjectBytes,
        sizeCalculation: (bytes) => Math.max(1, bytes.length),
      });
    }
  }

  /** Bytes held now. */
  get heldBytes(): number {
    return this.objects?.calculatedSize ?? 0;
  }

  /** Bytes being read into memory now. */
  get inFlightBytes(): number {
    return this.fillingBytes;
  }

  accepts(size: number): boolean {
    return this.objects !== undefined && size <= this.maxObjectBytes;
  }

  /**
   * The object's bytes, from memory or read once with `open`; undefined when the object is not for this cache,
   * or when the reads in flight already hold their share (the caller streams it from the store then).
   */
  async get(storageKey: string, size: number, open: () => Promise<Readable>): Promise<Buffer | undefined> {
    if (!this.objects || !this.accepts(size)) return undefined;
    const held = this.objects.get(storageKey);
    if (held) return held;
    const pending = this.filling.get(storageKey);
    if (pending) return pending;
    if (this.fillingBytes + size > this.maxFillingBytes) return undefined;
    this.fillingBytes += size;
    const read = (async () => collect(await open(), size))()
      .then((bytes) => {
        this.objects!.set(storageKey, bytes);
        return bytes;
      })
      .finally(() => {
        this.fillingBytes -= size;
        this.filling.delete(storageKey);
      });
    this.filling.set(storageKey, read);
    return read;
  }
}
