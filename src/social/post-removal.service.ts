import { Injectable } from '@nestjs/common';
import type { SharedFile } from '../files/schemas/shared-file.schema';
import { ShakeCountersService } from '../shakes/shake-counters.service';
import { ShakeEntriesService } from '../shakes/shake-entries.service';
import { FileCountersService } from './file-counters.service';
import type { Types } from 'mongoose';

/**
 * What a deleted post still owes its neighbours, derived from the facts: it leaves its shake (again, if the
 * request did that already), the shake's files are recounted, and for a saved copy the saves of the post it was
 * saved from and of the original. The social/post-removed job runs it; the account removal runs it itself before
 * it deletes the post's document, after which that job finds nothing to do.
 */
@Injectable()
export class PostRemovalService {
  constructor(
    private readonly entries: ShakeEntriesService,
    private readonly shakeCounters: ShakeCountersService,
    private readonly fileCounters: FileCountersService,
  ) {}

  async settle(post: Pick<SharedFile, 'shakeId' | 'parentId' | 'originalId'> & { _id: Types.ObjectId }): Promise<number> {
    await this.entries.removePost(post._id);
    const fileCount = await this.shakeCounters.recountFilesOf(post.shakeId);
    if (post.parentId) {
      await this.fileCounters.recountSavesOf(post.parentId);
      if (post.originalId && !post.originalId.equals(post.parentId)) await this.fileCounters.recountSavesOf(post.originalId);
    }
    return fileCount;
  }
}
