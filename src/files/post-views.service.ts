import { Injectable } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model, Types } from 'mongoose';
import { ListReads } from '../common/database/list-reads';
import { isDuplicateKeyError } from '../common/errors/duplicate-key';
import { PostViews } from './schemas/post-views.schema';
import type { SharedFile } from './schemas/shared-file.schema';

type Viewed = Pick<SharedFile, 'counts'> & { _id: Types.ObjectId };

/** The owner of post_views: a post's views, written only by the views fold (see the schema). */
@Injectable()
export class PostViewsService {
  constructor(
    @InjectModel(PostViews.name) private readonly views: Model<PostViews>,
    private readonly lists: ListReads,
  ) {}

  /** Adds views counted in Redis; the first time, on top of what the post's own counter held. */
  async add(post: Viewed, views: number): Promise<void> {
    if ((await this.views.updateOne({ _id: post._id }, { $inc: { views } }).exec()).matchedCount > 0) return;
    try {
      await this.views.create({ _id: post._id, views: (post.counts?.views ?? 0) + views });
    } catch (error) {
      if (!isDuplicateKeyError(error)) throw error;
      await this.views.updateOne({ _id: post._id }, { $inc: { views } }).exec(); // another fold made it meanwhile
    }
  }

  /** The views of a post whose document is gone (a removed account's). */
  async forget(postId: Types.ObjectId): Promise<void> {
    await this.views.deleteOne({ _id: postId }).exec();
  }

  /** The views of each of these posts (hex id → views); a post whose views were never folded here shows its own counter. */
  async of(posts: Viewed[]): Promise<Map<string, number>> {
    const shown = new Map(posts.map((post) => [post._id.toHexString(), post.counts?.views ?? 0]));
    if (posts.length === 0) return shown;
    const rows = await this.lists.byIds(
      this.views,
      posts.map((post) => post._id),
    );
    for (const row of rows) shown.set(row._id.toHexString(), row.views);
    return shown;
  }
}
