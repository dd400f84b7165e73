import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { Types } from 'mongoose';
import type { AuthUser } from '../../common/auth/auth-user';
import { MediaInvalidations } from '../../common/cache/media-invalidations.service';
import { NotFoundError } from '../../common/errors/domain-errors';
import type { ResolvedEnvironment } from '../../config/environment';
import { FileServingService } from '../file-serving.service';
import { PostsService } from '../posts.service';
import { SourceFilesService } from '../source-files.service';
import { ViewsCounter } from '../views.counter';
import { MediaEntryCache } from './media-entry-cache';
import { MediaMetrics } from './media-metrics';
import { type MediaEntry, mediaEntryOf, type MediaKind, type MediaObject, variantsOf } from './media-entry';

/** A raw fetch counts as a view unless it is a HEAD or a request for a later part of the file. */
const countsAsView = (req: Request) => req.method === 'GET' && (!req.headers.range || /^bytes=0-/.test(req.headers.range));

/**
 * The media routes' one service: share key → MediaEntry from the in-process cache (no database, no Redis on a
 * hit), the view counted in memory, the object sent (small ones from the byte cache). A miss asks
 * PostsService.getLive (the post-visibility rule) and reads the variants. Variants still being made are looked up
 * again on each request until they are ready.
 */
@Injectable()
export class MediaDelivery {
  private readonly cache: MediaEntryCache;
  private readonly loading = new Map<string, Promise<MediaEntry>>();

  constructor(
    private readonly files: PostsService,
    private readonly sources: SourceFilesService,
    private readonly serving: FileServingService,
    private readonly views: ViewsCounter,
    private readonly metrics: MediaMetrics,
    invalidations: MediaInvalidations,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.cache = new MediaEntryCache({
      maxEntries: config.get('MEDIA_CACHE_ENTRIES', { infer: true }),
      maxLagMs: config.get('MEDIA_CACHE_MAX_LAG_MS', { infer: true }),
      ttlMs: config.get('MEDIA_CACHE_TTL_SECONDS', { infer: true }) * 1000,
    });
    invalidations.attach(this.cache);
    metrics.observe({ entries: () => this.cache.size, trusted: () => this.cache.trusted, bytes: () => serving.bytes.heldBytes });
  }

  /** Entries held now (for tests and metrics). */
  get cachedEntries(): number {
    return this.cache.size;
  }

  /** Whether the cache is used now: the invalidation feed was read within the bound. */
  get cacheTrusted(): boolean {
    return this.cache.trusted;
  }

  async send(kind: MediaKind, key: string, req: Request, res: Response, viewer: AuthUser | undefined): Promise<void> {
    const entry = await this.entryOf(key);
    if (kind === 'raw') {
      if (countsAsView(req) && viewer?.id.toHexString() !== entry.ownerId) this.views.record(entry.postId);
      return this.serving.send(req, res, entry.raw);
    }
    const variant = await this.variantOf(entry, kind);
    if (variant === 'pending') return this.serving.sendPending(res);
    return this.serving.send(req, res, variant);
  }

  private async entryOf(key: string): Promise<MediaEntry> {
    const hit = this.cache.get(key);
    if (hit) {
      this.metrics.hit.inc();
      return hit;
    }
    this.metrics.miss.inc();
    let loading = this.loading.get(key);
    if (!loading) {
      loading = this.load(key).finally(() => this.loading.delete(key));
      this.loading.set(key, loading);
    }
    return loading;
  }

  private async load(key: string): Promise<MediaEntry> {
    const epoch = this.cache.loadStarted();
    const { file, source } = await this.files.getLive(key);
    const variants = await this.sources.findVariants(source._id);
    const entry = mediaEntryOf(file, source, variants);
    this.cache.set(entry, epoch);
    return entry;
  }

  private async variantOf(entry: MediaEntry, kind: 'thumbnail' | 'small'): Promise<MediaObject | 'pending'> {
    let variants = entry.variants;
    if (variants.status === 'pending') {
      const epoch = this.cache.loadStarted();
      variants = variantsOf(entry.key, entry, await this.sources.findVariants(new Types.ObjectId(entry.sourceId)));
      if (variants.status !== 'pending') this.cache.set({ ...entry, variants }, epoch);
    }
    if (variants.status === 'pending') return 'pending';
    if (variants.status === 'failed') throw new NotFoundError(`This file has no ${kind === 'small' ? 'small version' : 'thumbnail'}`);
    return variants[kind];
  }
}
