import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ResolvedEnvironment } from '../../config/environment';
import { servesApi } from '../../config/run-mode';
import { withTimeout } from '../async/with-timeout';
import { connectRedis, type RedisClient, redisTargetFrom, sameSlot } from '../redis/redis-connection';
import { REDIS_CLIENT } from '../redis/redis.constants';

/** Where the invalidations of every process's media cache go; trimmed to about this many entries. */
const STREAM = 'media:invalidations';
const STREAM_MAX_LENGTH = 10_000;
const READ_BATCH = 500;
/** Written in place of a key: drop every entry (a user was disabled, a group shake removed). */
const EVERYTHING = '*';
const RETRY_INTERVAL_MS = 1_000;
/** Past this many unpublished keys, publish "everything" instead. */
const PENDING_LIMIT = 1_000;

/**
 * One XADD per key, each numbered by an INCR in the same script, so a reader sees a gap in the numbers when it
 * missed entries (the stream trimmed past it, or Redis lost its data) and drops its whole cache.
 */
const PUBLISH_SCRIPT = `
local last = 0
for i = 1, #ARGV do
  last = redis.call('INCR', KEYS[2])
  redis.call('XADD', KEYS[1], 'MAXLEN', '~', ${STREAM_MAX_LENGTH}, '*', 's', last, 'k', ARGV[i])
end
return last`;

/** What a process's media cache must hear from the feed. */
export interface MediaCacheSink {
  evict(keys: string[]): void;
  /** Drop everything: the feed says so, or entries may have been missed. */
  flush(): void;
  /** Every invalidation published before `at` (a local Date.now()) has been passed to evict or flush. */
  confirm(at: number): void;
}

interface Position {
  id: string;
  seq: number;
}

type StreamReply = [string, [string, string[]][]][] | null;

/**
 * The invalidation feed of the in-process media caches: a Redis Stream every API process reads on a dedicated
 * connection with a blocking XREAD, so it costs nothing per request. Writers publish after the database write
 * (and the release job publishes a deleted post again, so a crash between the two is repaired by Bull's retries).
 * Readers confirm to their cache after every read that reached the end of the stream; a cache that has not been
 * confirmed within MEDIA_CACHE_MAX_LAG_MS (see MediaEntryCache) drops itself and is bypassed. On any error or
 * gap the reader flushes and starts again from the stream's end.
 */
@Injectable()
export class MediaInvalidations implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MediaInvalidations.name);
  /** The stream and its sequence counter, as the shared client (which adds the prefix) names them. */
  private readonly stream: string;
  private readonly sequence: string;
  private readonly streamKey: string;
  private readonly sequenceKey: string;
  private readonly blockMs: number;
  private readonly reads: boolean;
  private readonly timeoutMs: number;
  private readonly pending = new Set<string>();
  private sinks: MediaCacheSink[] = [];
  private reader?: RedisClient;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly config: ConfigService<ResolvedEnvironment, true>,
  ) {
    const prefix = config.get('REDIS_KEY_PREFIX', { infer: true });
    // The publishing script touches both keys: on a cluster they share a hash slot.
    this.stream = sameSlot(redis, STREAM);
    this.sequence = `${this.stream}:seq`;
    this.streamKey = `${prefix}:${this.stream}`;
    this.sequenceKey = `${prefix}:${this.sequence}`;
    // Three reads per lag window: an idle, healthy feed confirms well within the bound.
    this.blockMs = Math.max(100, Math.floor(config.get('MEDIA_CACHE_MAX_LAG_MS', { infer: true }) / 3));
    this.reads = servesApi(config.get('MALTED_MODE', { infer: true }));
    this.timeoutMs = config.get('REDIS_REQUEST_TIMEOUT_MS', { infer: true });
    this.redis.defineCommand('maltedPublishInvalidations', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
  }

  /** Registers a cache to be kept in step with the feed. */
  attach(sink: MediaCacheSink): void {
    this.sinks.push(sink);
  }

  /** Drops these share keys from every process's media cache (this one's at once). */
  async publish(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    this.sinks.forEach((sink) => sink.evict(keys));
    await this.send(keys);
  }

  /** Drops every entry of every process's media cache. */
  async publishEverything(): Promise<void> {
    this.sinks.forEach((sink) => sink.flush());
    await this.send([EVERYTHING]);
  }

  onApplicationBootstrap(): void {
    if (!this.reads) return;
    this.reader = connectRedis(redisTargetFrom(this.config), {
      connectionName: 'malted-media-invalidations',
      // Reads wait for the connection (bounded by commandTimeout) rather than fail while it is being made.
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
      // A frozen Redis never answers a blocking read: give up on it and start again.
      commandTimeout: this.blockMs + 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    this.reader.on('error', () => undefined); // reported by the read loop
    this.loop = this.read();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.reader?.disconnect();
    await this.loop;
    if (this.pending.size > 0) await this.send([...this.pending]).catch(() => undefined);
  }

  private async send(keys: string[]): Promise<void> {
    try {
      // Bounded like every Redis call on a request's way; one that timed out is published again (harmless).
      const publishing = (
        this.redis as RedisClient & { maltedPublishInvalidations(...args: string[]): Promise<number> }
      ).maltedPublishInvalidations(this.stream, this.sequence, ...keys);
      await withTimeout(publishing, this.timeoutMs);
      keys.forEach((key) => this.pending.delete(key));
    } catch (error) {
      this.logger.warn({ err: error, keys: keys.length }, 'media invalidations not published yet: Redis does not answer');
      keys.forEach((key) => this.pending.add(key));
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const keys = this.pending.size > PENDING_LIMIT ? [EVERYTHING] : [...this.pending];
      if (keys[0] === EVERYTHING) this.pending.clear();
      void this.send(keys);
    }, RETRY_INTERVAL_MS);
    this.retryTimer.unref();
  }

  private flush(): void {
    this.sinks.forEach((sink) => sink.flush());
  }

  private async read(): Promise<void> {
    let position: Position | undefined;
    while (!this.stopped) {
      try {
        const startedAt = Date.now();
        if (!position) {
          position = await this.end();
          this.flush(); // whatever was cached before this point may have missed entries
          // Nothing after the end is missed: the empty cache may fill at once, not after the first blocking read.
          this.sinks.forEach((sink) => sink.confirm(startedAt));
        }
        const reply = (await this.reader!.xread(
          'COUNT',
          READ_BATCH,
          'BLOCK',
          this.blockMs,
          'STREAMS',
          this.streamKey,
          position.id,
        )) as StreamReply;
        const entries = reply?.[0]?.[1] ?? [];
        position = this.apply(entries, position);
        // A full batch may have more behind it; only a short read proves the end of the stream was reached.
        if (entries.length < READ_BATCH) this.sinks.forEach((sink) => sink.confirm(startedAt));
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: error }, 'media invalidation feed unreadable: media caches are bypassed until it is back');
        position = undefined;
        this.flush();
        await new Promise((resolve) => setTimeout(resolve, RETRY_INTERVAL_MS));
      }
    }
  }

  /** The stream's last entry (or its beginning): reading starts after it. */
  private async end(): Promise<Position> {
    const [last] = (await this.reader!.xrevrange(this.streamKey, '+', '-', 'COUNT', 1)) as [string, string[]][];
    if (last) return { id: last[0], seq: Number(fieldOf(last[1], 's')) };
    return { id: '0-0', seq: Number((await this.reader!.get(this.sequenceKey)) ?? 0) };
  }

  private apply(entries: [string, string[]][], from: Position): Position {
    let position = from;
    const keys: string[] = [];
    let everything = false;
    for (const [id, fields] of entries) {
      const seq = Number(fieldOf(fields, 's'));
      const key = fieldOf(fields, 'k');
      if (seq !== position.seq + 1 || key === EVERYTHING || key === undefined) everything = true;
      else keys.push(key);
      position = { id, seq };
    }
    if (everything) this.flush();
    else if (keys.length > 0) this.sinks.forEach((sink) => sink.evict(keys));
    return position;
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
