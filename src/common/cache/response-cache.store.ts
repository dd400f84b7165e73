import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { ResolvedEnvironment } from '../../config/environment';
import { withTimeout } from '../async/with-timeout';
import { type RedisClient, sameSlot } from '../redis/redis-connection';
import { REDIS_CLIENT } from '../redis/redis.constants';

/** A generation lives this long after its last bump; when one expires, a new one starts (a miss, never stale). */
export const GENERATION_TTL_SECONDS = 86_400;

/**
 * One round trip for a lookup: read the generation of every scope (starting a fresh one where none exists),
 * then the entry stored under those generations. KEYS: generation keys. ARGV: [entry key base with the Redis
 * prefix, a fresh generation, generation TTL]. Returns [generations joined, entry or nil].
 */
const LOOKUP_SCRIPT = `
local parts = {}
for i, key in ipairs(KEYS) do
  local generation = redis.call('GET', key)
  if not generation then
    generation = ARGV[2]
    redis.call('SET', key, generation, 'EX', ARGV[3])
  end
  parts[i] = generation
end
local generations = table.concat(parts, '.')
return { generations, redis.call('GET', ARGV[1] .. ':' .. generations) }
`;

/** A response as it was sent: its ETag, its serialised body and, for rendered documents, its Last-Modified. */
export interface StoredResponse {
  etag: string;
  body: string;
  lastModified?: string;
}

export interface Lookup {
  /** Where a response for the current generations goes (without the Redis prefix). */
  entryKey: string;
  found: StoredResponse | null;
}

type LookupCommand = (...args: (string | number)[]) => Promise<[string, string | null]>;

/**
 * The Redis side of the response cache, on the shared client (no offline queue: while Redis is away every call
 * fails at once). Each call is bounded by REDIS_REQUEST_TIMEOUT_MS. On a Redis Cluster every key of the cache
 * starts with the hash tag `{cache}`: a lookup reads generations and the entry in one script, so they must share a
 * hash slot (the whole response cache therefore lives on one master of the cluster and its replicas).
 */
@Injectable()
export class ResponseCacheStore {
  private readonly timeoutMs: number;
  private readonly keyPrefix: string;
  /** `{cache}:` on a cluster, nothing on one Redis. */
  private readonly space: string;
  private readonly processToken = randomBytes(6).toString('base64url');
  private sequence = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.timeoutMs = config.get('REDIS_REQUEST_TIMEOUT_MS', { infer: true });
    this.keyPrefix = `${config.get('REDIS_KEY_PREFIX', { infer: true })}:`;
    this.space = redis.isCluster ? `${sameSlot(redis, 'cache')}:` : '';
    if (!('maltedCacheLookup' in redis)) redis.defineCommand('maltedCacheLookup', { lua: LOOKUP_SCRIPT });
  }

  async lookup(resourceKey: string, scopes: readonly string[]): Promise<Lookup> {
    const base = `${this.space}http:${resourceKey}`;
    const command = (this.redis as unknown as { maltedCacheLookup: LookupCommand }).maltedCacheLookup.bind(this.redis);
    const [generations, value] = await withTimeout(
      command(
        scopes.length,
        ...scopes.map((scope) => this.generationKey(scope)),
        this.keyPrefix + base,
        this.newGeneration(),
        GENERATION_TTL_SECONDS,
      ),
      this.timeoutMs,
    );
    return { entryKey: `${base}:${generations}`, found: value === null ? null : decode(value) };
  }

  async save(entryKey: string, response: StoredResponse, ttlSeconds: number): Promise<void> {
    const head = response.lastModified ? `${response.etag} ${response.lastModified}` : response.etag;
    await withTimeout(this.redis.set(entryKey, `${head}\n${response.body}`, 'EX', ttlSeconds), this.timeoutMs);
  }

  /** Moves every scope to a generation never used before. */
  async bump(scopes: readonly string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const scope of scopes) pipeline.set(this.generationKey(scope), this.newGeneration(), 'EX', GENERATION_TTL_SECONDS);
    const results = await withTimeout(pipeline.exec(), this.timeoutMs);
    const failed = results?.find(([error]) => error);
    if (!results || failed) throw failed?.[0] ?? new Error('Redis did not run the generation bump');
  }

  private generationKey(scope: string): string {
    return `${this.space}gen:${scope}`;
  }

  /** Unique across pods and restarts, so a generation that expired or was evicted never comes back. */
  private newGeneration(): string {
    this.sequence += 1;
    return `${this.processToken}${this.sequence.toString(36)}`;
  }
}

/** The first line is the ETag (which has no spaces), then a space and the Last-Modified date if there is one. */
function decode(value: string): StoredResponse {
  const newline = value.indexOf('\n');
  const head = value.slice(0, newline);
  const space = head.indexOf(' ');
  const body = value.slice(newline + 1);
  return space < 0 ? { etag: head, body } : { etag: head.slice(0, space), lastModified: head.slice(space + 1), body };
}
