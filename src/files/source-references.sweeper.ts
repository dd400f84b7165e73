import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { Types } from 'mongoose';
import { JobProducer } from '../jobs/job-producer';
import { type Sweeper, JobSweepers } from '../jobs/job-sweepers';
import { PostsRepository } from './posts.repository';
import { SourceFilesService } from './source-files.service';

/** Sources audited per recovery round; a full pass over n sources takes n / BATCH rounds. */
export const REFERENCE_AUDIT_BATCH = 500;

/**
 * A source's reference count is derived, like the other counters: it is the number of posts that hold a reference
 * (posts not yet released). Taking and giving back a reference is a separate write from the post's own, so a
 * process that loses the database (or dies) between the two leaves the count wrong: an upload whose post write
 * failed and whose undo could not reach the database keeps one reference too many, and its bytes would never be
 * released. Each round this sweeper audits the next batch of sources (all of them in turn, wrapping around) and
 * sets the count of each that differs to the number of posts, purging a source that none holds.
 *
 * Only a source that nobody is changing is corrected: the source and every post of it last written before the
 * sweep grace, and the count written only if the source is still as it was read (same count and updatedAt), so an
 * upload, a save or a release half done right now (whose two writes are milliseconds apart) is left alone.
 */
@Injectable()
export class SourceReferencesSweeper implements Sweeper, OnModuleInit {
  readonly name = 'source-references';
  private readonly logger = new Logger(SourceReferencesSweeper.name);
  private after: Types.ObjectId | null = null;

  constructor(
    private readonly sweepers: JobSweepers,
    private readonly jobs: JobProducer,
    private readonly sources: SourceFilesService,
    private readonly posts: PostsRepository,
  ) {}

  onModuleInit(): void {
    this.sweepers.register(this);
  }

  async sweep(olderThan: Date): Promise<number> {
    const page = await this.sources.pageForReferenceAudit(this.after, REFERENCE_AUDIT_BATCH);
    this.after = page.length < REFERENCE_AUDIT_BATCH ? null : page[page.length - 1]._id;
    const settled = page.filter((source) => !source.updatedAt || source.updatedAt < olderThan);
    const { held: heldBy, touched } = await this.posts.referencesTo(
      settled.map((source) => source._id),
      olderThan,
    );
    let queued = 0;
    for (const source of settled) {
      const id = source._id.toHexString();
      const held = heldBy.get(id) ?? 0;
      if (held === source.refCount || touched.has(id)) continue;
      const storageKeys = await this.sources.settleReferences(source, held);
      if (storageKeys === null) continue;
      this.logger.warn({ sourceId: source._id, refCount: source.refCount, held }, 'source reference count corrected from its posts');
      if (storageKeys.length === 0) continue;
      await this.jobs.send('files/purge', { storageKeys });
      queued += 1;
    }
    return queued;
  }
}
