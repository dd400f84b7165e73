import { Injectable } from '@nestjs/common';
import type { Types } from 'mongoose';
import { CacheGenerationsService } from '../common/cache/cache-generations.service';
import { CacheScope } from '../common/cache/cache-scope';
import { ShakesService } from '../shakes/shakes.service';
import type { SharedFile } from './schemas/shared-file.schema';

export type CachedPost = Pick<SharedFile, 'key' | 'shakeId' | 'originalId' | 'tags' | 'magicAt'>;

/**
 * After a post changes (posted, edited, deleted, recounted), every cached response that shows it must be fresh:
 * its metadata, its shake's pages, and the site-wide lists it can be in.
 */
@Injectable()
export class PostCacheService {
  constructor(
    private readonly generations: CacheGenerationsService,
    private readonly shakes: ShakesService,
  ) {}

  async changed(...posts: CachedPost[]): Promise<void> {
    if (posts.length === 0) return;
    const shakeNames = await this.shakeNamesOf(posts.map((post) => post.shakeId));
    await this.generations.bump(
      CacheScope.stream('search'),
      ...posts.flatMap((post) => scopesOfPost(post, shakeNames.get(post.shakeId.toHexString()))),
    );
  }

  /** The same for a post whose shake the caller holds already (an upload): no lookup of the shake's name. */
  async changedIn(shake: { name: string }, post: CachedPost): Promise<void> {
    await this.generations.bump(CacheScope.stream('search'), ...scopesOfPost(post, shake.name));
  }

  /** `_id: {$in}`, which FerretDB 1.x cannot push down: it decodes every shake, hence changedIn where it can. */
  private async shakeNamesOf(ids: Types.ObjectId[]): Promise<Map<string, string>> {
    const shakes = await this.shakes.findByIds(ids);
    return new Map(shakes.map((shake) => [shake._id.toHexString(), shake.name]));
  }
}

export function scopesOfPost(post: CachedPost, shakeName: string | undefined): string[] {
  const scopes = [CacheScope.file(post.key), ...post.tags.map(CacheScope.tag)];
  if (shakeName) scopes.push(CacheScope.shake(shakeName));
  if (!post.originalId) scopes.push(CacheScope.stream('incoming'), CacheScope.stream('popular'));
  if (post.magicAt) scopes.push(CacheScope.stream('magic'));
  return scopes;
}
