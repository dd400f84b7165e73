import { createHash } from 'node:crypto';
import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, map, type Observable, of, switchMap } from 'rxjs';
import type { ResolvedEnvironment } from '../../config/environment';
import { type AuthenticatedRequest, showsNsfw } from '../auth/auth-user';
import { CacheMetrics, type CacheOutcome } from './cache-metrics';
import { CacheScope } from './cache-scope';
import { CACHED_RESPONSE, type CachedResponseOptions } from './cached-response.options';
import { type Lookup, ResponseCacheStore, type StoredResponse } from './response-cache.store';

const JSON_TYPE = 'application/json; charset=utf-8';
const PRIVATE = 'private, no-cache';

/**
 * The response cache around routes marked @CachedResponse. A hit is one Redis round trip and sends the stored
 * bytes and ETag as they are; a miss runs the handler, serialises its result once, sends and stores it.
 * Anonymous responses are public (s-maxage for a CDN); a signed-in caller gets a private response and, unless the
 * route is the same for every viewer (or for every viewer who did not opt in to NSFW files), never touches the
 * shared entries. The `viewer` parts of a signed-in response are added after this (ViewerStateInterceptor in
 * src/social), so no entry ever holds them. Redis slow or away: served uncached.
 */
@Injectable()
export class ResponseCacheInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ResponseCache');
  private readonly enabled: boolean;
  private readonly publicCacheControl: string;
  private lastWarning = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly store: ResponseCacheStore,
    private readonly metrics: CacheMetrics,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.enabled = config.get('HTTP_CACHE_ENABLED', { infer: true });
    this.publicCacheControl = `public, max-age=0, s-maxage=${config.get('HTTP_CACHE_SHARED_MAX_AGE_SECONDS', { infer: true })}`;
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get<CachedResponseOptions | undefined>(CACHED_RESPONSE, context.getHandler());
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!options || (req.method !== 'GET' && req.method !== 'HEAD')) return next.handle();

    res.vary('Authorization');
    const signedIn = req.headers.authorization !== undefined;
    const params = req.params as Record<string, string>;
    const contentType = typeof options.contentType === 'function' ? options.contentType(params) : options.contentType;
    const cacheControl = signedIn ? PRIVATE : this.publicCacheControl;
    if (!this.enabled || (signedIn && !this.sharesEntries(options, req as AuthenticatedRequest))) {
      return this.serveUncached(next, res, contentType, 'bypass', cacheControl);
    }

    const scopes = [CacheScope.site, ...options.scopes(params)];
    return from(this.lookUp(req, scopes)).pipe(
      switchMap((lookup) => {
        if (!lookup) return this.serveUncached(next, res, contentType, 'bypass', cacheControl);
        if (lookup.found) {
          this.respondWith(res, lookup.found, contentType, 'hit', cacheControl);
          return of(lookup.found.body);
        }
        return this.serveUncached(next, res, contentType, 'miss', cacheControl, (stored) =>
          this.save(lookup.entryKey, stored, options.ttlSeconds),
        );
      }),
    );
  }

  /** Whether a signed-in caller reads and fills the anonymous entries (the guard has resolved req.user). */
  private sharesEntries(options: CachedResponseOptions, req: AuthenticatedRequest): boolean {
    if (options.sameForEveryViewer) return true;
    return options.sameUnlessNsfwShown === true && req.user !== undefined && !showsNsfw(req.user);
  }

  /** Runs the handler and sends its result serialised once (or as rendered), with an ETag of those bytes. */
  private serveUncached(
    next: CallHandler,
    res: Response,
    contentType: string | undefined,
    outcome: CacheOutcome,
    cacheControl: string,
    store?: (stored: StoredResponse) => void,
  ): Observable<unknown> {
    return next.handle().pipe(
      map((result) => {
        if (res.statusCode !== 200 || result === undefined) {
          this.metrics.count('bypass');
          res.setHeader('X-Cache', 'BYPASS');
          return result;
        }
        const body = contentType ? String(result) : JSON.stringify(result);
        const stored: StoredResponse = { etag: etagOf(body), body };
        if (contentType) stored.lastModified = new Date().toUTCString();
        this.respondWith(res, stored, contentType, outcome, cacheControl);
        store?.(stored);
        return body;
      }),
    );
  }

  private respondWith(
    res: Response,
    stored: StoredResponse,
    contentType: string | undefined,
    outcome: CacheOutcome,
    cacheControl: string,
  ): void {
    this.metrics.count(outcome);
    res.setHeader('X-Cache', outcome.toUpperCase());
    res.setHeader('Cache-Control', cacheControl);
    res.setHeader('Content-Type', contentType ?? JSON_TYPE);
    // Express answers 304 itself when If-None-Match matches this ETag (or, without one, If-Modified-Since this date).
    res.setHeader('ETag', stored.etag);
    if (stored.lastModified) res.setHeader('Last-Modified', stored.lastModified);
  }

  private async lookUp(req: Request, scopes: string[]): Promise<Lookup | null> {
    try {
      return await this.store.lookup(resourceKeyOf(req), scopes);
    } catch (error) {
      this.failed(error);
      return null;
    }
  }

  private save(entryKey: string, stored: StoredResponse, ttlSeconds: number): void {
    this.store.save(entryKey, stored, ttlSeconds).catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    this.metrics.failed();
    if (Date.now() - this.lastWarning > 60_000) {
      this.lastWarning = Date.now();
      this.logger.warn({ err: error }, 'responses are served uncached: Redis does not answer in time');
    }
  }
}

/** The strong ETag of a serialised body (also used by whatever changes a body after this interceptor). */
export const etagOf = (body: string): string => `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;

/** The path and query in a canonical order, hashed: `?b=1&a=2` and `?a=2&b=1` are one entry. */
export function resourceKeyOf(req: Pick<Request, 'originalUrl'>): string {
  const url = new URL(req.originalUrl, 'http://malted.invalid');
  url.searchParams.sort();
  return createHash('sha256').update(`${url.pathname}?${url.searchParams.toString()}`).digest('base64url').slice(0, 32);
}
