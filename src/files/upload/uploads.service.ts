import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { IncomingMessage } from 'node:http';
import { rm } from 'node:fs/promises';
import type { AuthUser } from '../../common/auth/auth-user';
import { incomingBodiesCutOff } from '../../common/http/shutdown-cut-off';
import type { ResolvedEnvironment } from '../../config/environment';
import { ShakesService } from '../../shakes/shakes.service';
import { UploadQuotaService } from '../../users/quota/upload-quota.service';
import type { ShownPost } from '../file.presenter';
import { sha256OfFile } from '../file-hash';
import { PostsService } from '../posts.service';
import { stripGpsLocation } from '../images/gps-stripper';
import { ImageInspector } from '../images/image-inspector';
import { SourceFilesService } from '../source-files.service';
import { MultipartImageReceiver } from './multipart-image.receiver';
import { uploadLimitsFrom } from './upload-limits';

/**
 * The upload pipeline, POST /api/v1/files: receives the multipart body into a temporary file (byte, type and
 * pixel limits and what is left of the user's monthly quota enforced as the bytes arrive), decodes it fully,
 * strips its GPS location in place, reserves its size against the quota (released if the upload fails), stores it
 * once per content hash, and hands the source to the post lifecycle (PostsService.createOriginal). The temporary file
 * is always removed.
 */
@Injectable()
export class UploadsService {
  private readonly receiver: MultipartImageReceiver;
  private readonly inspector: ImageInspector;

  constructor(
    private readonly posts: PostsService,
    private readonly sources: SourceFilesService,
    private readonly shakes: ShakesService,
    private readonly quota: UploadQuotaService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    const limits = uploadLimitsFrom({
      UPLOAD_MAX_BYTES: config.get('UPLOAD_MAX_BYTES', { infer: true }),
      UPLOAD_MAX_PIXELS: config.get('UPLOAD_MAX_PIXELS', { infer: true }),
      UPLOAD_TMP_DIR: config.get('UPLOAD_TMP_DIR', { infer: true }),
    });
    this.receiver = new MultipartImageReceiver(limits, incomingBodiesCutOff);
    this.inspector = new ImageInspector(limits.maxPixels);
  }

  async upload(user: AuthUser, req: IncomingMessage): Promise<ShownPost> {
    // Nothing left refuses the upload before its body is read; what is left caps it while it arrives.
    const remaining = await this.quota.remainingFor(user);
    const received = await this.receiver.receive(
      req,
      remaining === null ? undefined : { maxBytes: remaining, exceeded: () => this.quota.exceededError(user) },
    );
    try {
      const shake = await this.shakes.getPostableShake(user.id, received.fields.shake);
      const inspection = await this.inspector.inspect(received.path, received.type);
      // The receiver hashed the bytes as they arrived; only a file the stripper changed is hashed again.
      const stripped = await stripGpsLocation(received.path);
      const sha256 = stripped ? await sha256OfFile(received.path) : received.sha256;
      // Counted in full even when identical bytes are stored already: whether they are must not show through.
      const reservation = await this.quota.reserve(user, received.size);
      let acquired;
      try {
        acquired = await this.sources.acquire({ sha256, size: received.size, inspection, path: received.path });
      } catch (error) {
        await this.quota.release(reservation);
        throw error;
      }
      // Given back beside the source's reference if the post cannot be made: with the database gone, each undo
      // waits out its timeout, and one after the other they kept the answer waiting 4.5 s.
      return await this.posts.createOriginal(user, shake, acquired, received.fields, received.fileName, () =>
        this.quota.release(reservation),
      );
    } finally {
      await rm(received.path, { force: true });
    }
  }
}
