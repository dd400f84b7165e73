import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { ConflictError } from '../../common/errors/domain-errors';
import { AlreadySavedError, PostsService } from '../../files/posts.service';
import { PostsRepository } from '../../files/posts.repository';
import type { SharedFileDocument } from '../../files/schemas/shared-file.schema';
import { ShakesService } from '../../shakes/shakes.service';

export interface SaveResult {
  post: SharedFileDocument;
  /** false: the saver had saved this post already, and this is that save. */
  created: boolean;
}

/** Saves: a new post of the same stored bytes in the saver's shake; counters and notification follow in the posted job. */
@Injectable()
export class SavesService {
  constructor(
    private readonly files: PostsService,
    private readonly posts: PostsRepository,
    private readonly shakes: ShakesService,
  ) {}

  async save(saverId: Types.ObjectId, key: string, shakeName?: string): Promise<SaveResult> {
    const { file: parent } = await this.files.getLive(key);
    if (parent.userId.equals(saverId)) throw new ConflictError('You cannot save your own file');
    if (parent.originalId && (await this.posts.findById(parent.originalId))?.userId.equals(saverId)) {
      throw new ConflictError('You cannot save a copy of your own file');
    }
    const existing = await this.files.findSaveOf(saverId, parent._id);
    if (existing) return { post: existing, created: false };

    const shake = await this.shakes.getPostableShake(saverId, shakeName);
    try {
      return { post: await this.files.createCopy(saverId, parent, shake), created: true };
    } catch (error) {
      if (!(error instanceof AlreadySavedError)) throw error;
      const raced = await this.files.findSaveOf(saverId, parent._id); // a concurrent request saved it first
      if (!raced) throw error;
      return { post: raced, created: false };
    }
  }
}
