import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import type { FileServingMode, ResolvedEnvironment } from '../config/environment';
import { FileMetrics } from './file-metrics';
import { MediaBytesCache } from './delivery/media-bytes-cache';
import type { MediaObject } from './delivery/media-entry';
import {
  planResponse,
  RangeNotSatisfiableError,
  RAW_CACHE_CONTROL,
  RAW_CONTENT_SECURITY_POLICY,
  sendObject,
  type ServableObject,
} from './serving/send-object';
import { PresignedUrlCache } from './serving/presigned-url-cache';
import { STORAGE_DRIVER, type StorageDriver } from './storage/storage-driver';

/**
 * Lifetime of the presigned URLs inside S3 X-Accel-Redirects, each handed out for its first 4 minutes. nginx
 * follows one at once; the last minute is the margin for an app and an S3 server whose clocks disagree.
 */
const ACCEL_URL_SECONDS = 300;
const ACCEL_URL_REUSE_MS = 240_000;

/** Seconds a client should wait before asking again for a thumbnail that is still being made. */
export const THUMBNAIL_RETRY_AFTER_SECONDS = 2;

/** Sends a file's bytes or its thumbnail in the configured way: streamed, X-Accel-Redirect, or presigned redirect. */
@Injectable()
export class FileServingService {
  private readonly mode: FileServingMode;
  private readonly accelPrefix: string;
  private readonly accelS3Prefix: string;
  private readonly accelUrls = new PresignedUrlCache(ACCEL_URL_REUSE_MS);
  private readonly redirectTtl: number;
  /** Small objects served from memory when streaming (nginx or S3 serve the bytes in the other modes). */
  readonly bytes: MediaBytesCache;

  constructor(
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly metrics: FileMetrics,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.mode = config.get('FILE_SERVING', { infer: true });
    this.accelPrefix = config.get('FILE_ACCEL_PREFIX', { infer: true });
    this.accelS3Prefix = config.get('FILE_ACCEL_S3_PREFIX', { infer: true });
    this.redirectTtl = config.get('FILE_REDIRECT_TTL_SECONDS', { infer: true });
    this.bytes = new MediaBytesCache({
      maxBytes: config.get('MEDIA_BYTES_CACHE_MAX_BYTES', { infer: true }),
      maxObjectBytes: config.get('MEDIA_BYTES_CACHE_OBJECT_MAX_BYTES', { infer: true }),
    });
  }

  /** A variant that is still being made: 202 with Retry-After (the job runs within seconds). */
  sendPending(res: Response): void {
    res.status(202).setHeader('Retry-After', String(THUMBNAIL_RETRY_AFTER_SECONDS));
    res.json({ statusCode: 202, message: 'The thumbnail is being made; ask again shortly' });
  }

  async send(req: Request, res: Response, stored: MediaObject): Promise<void> {
    // Images are meant to be embedded anywhere: helmet's same-origin default would make browsers refuse that.
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    const object: ServableObject = { ...stored, open: (range) => this.storage.read(stored.storageKey, range) };
    if (this.mode === 'stream') {
      const inMemory = () => this.bytes.get(stored.storageKey, stored.size, object.open);
      return sendObject(req, res, { ...object, inMemory }, (bytes) => this.metrics.bytesServed(bytes));
    }
    if (this.mode === 'accel') return this.sendAccel(req, res, object, stored.storageKey);

    res.setHeader('ETag', object.etag);
    if (planResponse(req, object).status === 304) {
      res.status(304).end();
      return;
    }
    const url = await this.storage.presignedGetUrl!(stored.storageKey, {
      expiresInSeconds: this.redirectTtl,
      contentType: object.contentType,
      contentDisposition: `inline; filename="${object.filename}"`,
    });
    res.setHeader('Cache-Control', `private, max-age=${Math.max(0, this.redirectTtl - 30)}`);
    res.redirect(302, url);
  }

  /**
   * Hands the bytes to nginx (deploy/nginx/malted.conf.template) with X-Accel-Redirect and the headers it
   * passes on. Whatever needs no bytes (HEAD, 304, 416) the app answers itself, exactly as when it streams.
   * With the local driver nginx cuts the client's Range itself (checking If-Range against this ETag); with S3
   * the app names the range nginx asks S3 for, since S3 would check the client's If-Range against its own ETag.
   */
  private async sendAccel(req: Request, res: Response, object: ServableObject, storageKey: string): Promise<void> {
    const plan = planUnlessUnsatisfiable(req, object);
    if (req.method === 'HEAD' || !plan || plan.status === 304) return sendObject(req, res, object);

    const disposition = `inline; filename="${object.filename}"`;
    res.setHeader('ETag', object.etag);
    res.setHeader('Cache-Control', RAW_CACHE_CONTROL);
    res.setHeader('Content-Type', object.contentType);
    res.setHeader('Content-Disposition', disposition);
    res.setHeader('Content-Security-Policy', RAW_CONTENT_SECURITY_POLICY);
    if (this.storage.kind === 's3') {
      const signed = await this.accelUrls.get(`${storageKey}\n${object.contentType}\n${disposition}`, () =>
        this.storage.presignedGetUrl!(storageKey, {
          expiresInSeconds: ACCEL_URL_SECONDS,
          contentType: object.contentType,
          contentDisposition: disposition,
        }),
      );
      const url = new URL(signed);
      res.setHeader('X-Accel-Redirect', `${this.accelS3Prefix}${url.pathname}${url.search}`);
      res.setHeader('X-Malted-Accel-Host', url.host); // the Host the URL is signed for
      if (plan.range) res.setHeader('X-Malted-Accel-Range', `bytes=${plan.range.start}-${plan.range.end}`);
    } else {
      res.setHeader('X-Accel-Redirect', `${this.accelPrefix}/${storageKey}`);
    }
    res.status(200).end();
  }
}

/** The response plan, or null when the Range cannot be satisfied (sendObject answers that 416). */
function planUnlessUnsatisfiable(req: Request, object: ServableObject): ReturnType<typeof planResponse> | null {
  try {
    return planResponse(req, object);
  } catch (error) {
    if (error instanceof RangeNotSatisfiableError) return null;
    throw error;
  }
}
