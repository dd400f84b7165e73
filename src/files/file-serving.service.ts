import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { NotFoundError } from '../common/errors/domain-errors';
import type { FileServingMode, ResolvedEnvironment } from '../config/environment';
import type { FileWithSource } from './files.service';
import { type VariantSet, VariantsStatus } from './schemas/variant-set.schema';
import { planResponse, sendObject, type ServableObject } from './serving/send-object';
import { STORAGE_DRIVER, type StorageDriver } from './storage/storage-driver';

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** Seconds a client should wait before asking again for a thumbnail that is still being made. */
export const THUMBNAIL_RETRY_AFTER_SECONDS = 2;

/** Sends a file's bytes or its thumbnail in the configured way: streamed, X-Accel-Redirect, or presigned redirect. */
@Injectable()
export class FileServingService {
  private readonly mode: FileServingMode;
  private readonly accelPrefix: string;
  private readonly redirectTtl: number;

  constructor(
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.mode = config.get('FILE_SERVING', { infer: true });
    this.accelPrefix = config.get('FILE_ACCEL_PREFIX', { infer: true });
    this.redirectTtl = config.get('FILE_REDIRECT_TTL_SECONDS', { infer: true });
  }

  async sendRaw(req: Request, res: Response, { file, source }: FileWithSource): Promise<void> {
    await this.send(req, res, {
      storageKey: source.storageKey,
      etag: `"${source.sha256}"`,
      size: source.size,
      contentType: source.contentType,
      filename: `${file.key}.${EXTENSIONS[source.contentType] ?? 'bin'}`,
    });
  }

  /** The thumbnail once it exists; until then 202 with Retry-After (the job runs within seconds). */
  async sendThumbnail(req: Request, res: Response, { file, source }: FileWithSource, variants: VariantSet | null): Promise<void> {
    if (!variants) {
      res.status(202).setHeader('Retry-After', String(THUMBNAIL_RETRY_AFTER_SECONDS));
      res.json({ statusCode: 202, message: 'The thumbnail is being made; ask again shortly' });
      return;
    }
    const thumbnail = variants.thumbnail;
    if (variants.status === VariantsStatus.Failed || !thumbnail) throw new NotFoundError('This file has no thumbnail');
    await this.send(req, res, {
      storageKey: thumbnail.storageKey,
      etag: `"${source.sha256}-thumbnail"`,
      size: thumbnail.size,
      contentType: thumbnail.contentType,
      filename: `${file.key}-thumbnail.webp`,
    });
  }

  private async send(
    req: Request,
    res: Response,
    stored: Omit<ServableObject, 'open'> & { storageKey: string },
  ): Promise<void> {
    const object: ServableObject = { ...stored, open: (range) => this.storage.read(stored.storageKey, range) };
    if (this.mode === 'stream') return sendObject(req, res, object);

    res.setHeader('ETag', object.etag);
    if (planResponse(req, object).status === 304) {
      res.status(304).end();
      return;
    }
    if (this.mode === 'accel') {
      // nginx serves the bytes from its internal location (ranges included) with these headers.
      res.setHeader('Content-Type', object.contentType);
      res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      res.setHeader('Content-Disposition', `inline; filename="${object.filename}"`);
      res.setHeader('X-Accel-Redirect', `${this.accelPrefix}/${stored.storageKey}`);
      res.status(200).end();
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
}
