import { Process, Processor } from '@nestjs/bull';
import { Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Job } from 'bull';
import { Types } from 'mongoose';
import { Readable } from 'node:stream';
import type { ResolvedEnvironment } from '../config/environment';
import { JobProducer } from '../jobs/job-producer';
import { objectIdIn } from '../jobs/job-payload';
import { type PostJob, type PurgeJob, QUEUES, type VariantsJob } from '../jobs/queues';
import { PostsService } from './posts.service';
import { InvalidImageError } from './images/image-errors';
import { renderVariants } from './images/variants';
import type { StoredVariant } from './schemas/variant-set.schema';
import { SourceFilesService } from './source-files.service';
import { STORAGE_DRIVER, type StorageDriver } from './storage/storage-driver';
import { ViewsCounter } from './views.counter';

const { jobs } = QUEUES.files;

/** The files feature's slow work. Every handler is idempotent: running a job twice changes nothing more. */
@Processor(QUEUES.files.name)
export class FilesProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(FilesProcessor.name);
  private readonly maxPixels: number;
  private readonly foldEveryMs: number;

  constructor(
    private readonly jobs: JobProducer,
    @Inject(STORAGE_DRIVER) private readonly storage: StorageDriver,
    private readonly sources: SourceFilesService,
    private readonly files: PostsService,
    private readonly views: ViewsCounter,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.maxPixels = config.get('UPLOAD_MAX_PIXELS', { infer: true });
    this.foldEveryMs = config.get('VIEWS_FOLD_INTERVAL_SECONDS', { infer: true }) * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.repeat('files/fold-views', this.foldEveryMs);
  }

  @Process({ name: jobs.variants, concurrency: 2 })
  async variants(job: Job<VariantsJob>): Promise<void> {
    const source = await this.sources.findById(await objectIdIn(job, job.data.sourceId));
    if (!source || (await this.sources.hasVariantsReady(source))) return;
    let rendered;
    try {
      rendered = await renderVariants(await this.storage.read(source.storageKey), this.maxPixels);
    } catch (error) {
      if (error instanceof InvalidImageError) {
        if (!(await this.sources.markVariantsFailed(source))) await this.variantsAgainIfStoredAgain(source._id);
        await job.discard(); // it will never decode: do not retry
      }
      throw error;
    }
    const stored: Record<string, StoredVariant> = {};
    for (const variant of rendered) {
      const storageKey = `${source.storageKey}-${variant.name}`;
      await this.storage.write(storageKey, Readable.from(variant.data), { contentType: variant.contentType });
      stored[variant.name] = {
        storageKey,
        contentType: variant.contentType,
        size: variant.data.length,
        width: variant.width,
        height: variant.height,
      };
    }
    if (!(await this.sources.setVariants(source, { thumbnail: stored.thumbnail, small: stored.small }))) {
      // Purged while we worked: nothing will ever point at these objects.
      await Promise.all(Object.values(stored).map((variant) => this.storage.delete(variant.storageKey)));
      await this.variantsAgainIfStoredAgain(source._id);
    }
  }

  /**
   * After this job's bytes were purged: if the image was stored again meanwhile (a new source under the same _id),
   * its own job may have finished first and had its set overwritten by ours, which keptUnlessPurged then removed.
   */
  private async variantsAgainIfStoredAgain(sourceId: Types.ObjectId): Promise<void> {
    const again = await this.sources.findById(sourceId);
    if (!again) return;
    await this.jobs.send('files/variants', { sourceId: again._id.toHexString(), storageKey: again.storageKey, again: true });
  }

  @Process(jobs.release)
  async release(job: Job<PostJob>): Promise<void> {
    await this.files.releaseDeleted(await objectIdIn(job, job.data.sharedFileId));
  }

  @Process(jobs.purge)
  async purge(job: Job<PurgeJob>): Promise<void> {
    await Promise.all(job.data.storageKeys.map((key) => this.storage.delete(key)));
  }

  /** Folds views counted in Redis into each post's counter; an interrupted fold resumes where it stopped. */
  @Process(jobs.foldViews)
  foldViews(): Promise<{ folded: number }> {
    return this.views.exclusively(async () => {
      const batch = await this.views.take();
      for (const [id, count] of batch) {
        if (Types.ObjectId.isValid(id) && count > 0) await this.files.addViews(new Types.ObjectId(id), count);
        await this.views.done(id);
      }
      if (batch.size > 0) this.logger.log(`folded views of ${batch.size} files`);
      return { folded: batch.size };
    });
  }
}
