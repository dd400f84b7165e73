import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Types } from 'mongoose';
import type { AuthUser } from '../../common/auth/auth-user';
import type { FileViewerDto } from '../../files/dto/file.dto';
import { PostsRepository } from '../../files/posts.repository';
import type { ShakeViewerDto } from '../../shakes/dto/shake.dto';
import { FollowsService } from '../../shakes/follows.service';
import { ShakesService } from '../../shakes/shakes.service';
import { LikesService } from '../likes/likes.service';

interface PostIds {
  id: Types.ObjectId;
  originalId: Types.ObjectId | null;
}

/** Share keys whose post and original ids each process keeps (a share key's ids never change). */
const POST_IDS_ENTRIES = 50_000;

const hex = (id: Types.ObjectId) => id.toHexString();

/**
 * What the signed-in caller did to a set of posts and shakes, in a constant number of queries whatever their
 * number: posts cost one query on likes and one on saves (plus one share-key lookup for keys this process has not
 * seen), shakes one lookup by name and one query on follows.
 */
@Injectable()
export class ViewerStateService {
  private readonly postIds = new LRUCache<string, PostIds>({ max: POST_IDS_ENTRIES });

  constructor(
    private readonly posts: PostsRepository,
    private readonly likes: LikesService,
    private readonly shakes: ShakesService,
    private readonly follows: FollowsService,
  ) {}

  /** By share key; unknown keys are left out. */
  async ofFiles(viewer: AuthUser, keys: string[]): Promise<Map<string, FileViewerDto>> {
    const ids = await this.idsOf([...new Set(keys)]);
    const postIds = [...ids.values()].map((post) => post.id);
    // Saved: a live save of the post itself, or of the original it was saved from.
    const parents = new Map(
      [...ids.values()].flatMap((post) => [post.id, ...(post.originalId ? [post.originalId] : [])]).map((id) => [hex(id), id]),
    );
    const [liked, saved] = await Promise.all([
      this.likes.likedBy(viewer.id, postIds),
      this.posts.savedBy(viewer.id, [...parents.values()]),
    ]);
    const states = new Map<string, FileViewerDto>();
    for (const [key, post] of ids) {
      states.set(key, {
        liked: liked.has(hex(post.id)),
        saved: saved.has(hex(post.id)) || (post.originalId !== null && saved.has(hex(post.originalId))),
      });
    }
    return states;
  }

  /** By lower-cased name; unknown names are left out. */
  async ofShakes(viewer: AuthUser, names: string[]): Promise<Map<string, ShakeViewerDto>> {
    const shakes = await this.shakes.findByNames(names);
    const followed = await this.follows.followedAmong(
      viewer.id,
      shakes.map((shake) => shake._id),
    );
    return new Map(
      shakes.map((shake) => [shake.nameLower, { following: followed.has(hex(shake._id)), canPost: this.shakes.canPost(viewer.id, shake) }]),
    );
  }

  private async idsOf(keys: string[]): Promise<Map<string, PostIds>> {
    const found = new Map<string, PostIds>();
    const missing: string[] = [];
    for (const key of keys) {
      const ids = this.postIds.get(key);
      if (ids) found.set(key, ids);
      else missing.push(key);
    }
    for (const row of await this.posts.idsByKeys(missing)) {
      const ids = { id: row._id, originalId: row.originalId ?? null };
      this.postIds.set(row.key, ids);
      found.set(row.key, ids);
    }
    return found;
  }
}
