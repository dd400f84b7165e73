import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { ShakesService } from '../shakes/shakes.service';
import { UsersService } from '../users/users.service';
import { FileDto } from './dto/file.dto';
import { SharedFile, type SharedFileDocument } from './schemas/shared-file.schema';
import { isVisiblePost } from './post-visibility';
import { SourceFilesService } from './source-files.service';

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * Turns posts into FileDtos, resolving their sources, owners and shakes in one batched query each, so a page of
 * 100 files costs three queries, not three hundred (copies carry the key they were saved from).
 */
@Injectable()
export class FilePresenter {
  constructor(
    @InjectModel(SharedFile.name) private readonly files: Model<SharedFile>,
    private readonly sources: SourceFilesService,
    private readonly users: UsersService,
    private readonly shakes: ShakesService,
  ) {}

  /** In the given order; a post that is not visible (post-visibility.ts) is left out. */
  async many(posts: SharedFileDocument[]): Promise<FileDto[]> {
    if (posts.length === 0) return [];
    // Copies carry the key they were saved from; only those made before savedFromKey existed need a lookup.
    const parentIds = posts.flatMap((post) => (post.parentId && !post.savedFromKey ? [post.parentId] : []));
    const [sources, owners, shakes, parents] = await Promise.all([
      this.sources.findByIds(posts.map((post) => post.sourceId)),
      this.users.ownersByIds(posts.map((post) => post.userId)),
      this.shakes.findByIds(posts.map((post) => post.shakeId)),
      parentIds.length === 0
        ? []
        : this.files
            .find({ _id: { $in: parentIds } }, { key: 1 })
            .lean()
            .exec(),
    ]);
    const sourceById = new Map(sources.map((source) => [hex(source._id), source]));
    const shakeById = new Map(shakes.map((shake) => [hex(shake._id), shake]));
    const keyById = new Map(parents.map((parent) => [hex(parent._id), parent.key]));
    return posts.flatMap((post) => {
      const source = sourceById.get(hex(post.sourceId));
      const owner = owners.get(hex(post.userId));
      const shake = shakeById.get(hex(post.shakeId));
      if (!isVisiblePost(post, { source, shake, owner })) return [];
      const savedFrom = post.parentId ? (post.savedFromKey ?? keyById.get(hex(post.parentId)) ?? null) : null;
      return [FileDto.from(post, source!, owner!, shake!, savedFrom)];
    });
  }

  async one(post: SharedFileDocument): Promise<FileDto | null> {
    const [dto] = await this.many([post]);
    return dto ?? null;
  }
}
