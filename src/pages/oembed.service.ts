import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-errors';
import { FilePresenter } from '../files/file.presenter';
import { PostsService } from '../files/posts.service';
import { VariantsStatus } from '../files/schemas/variant-set.schema';
import { SourceFilesService } from '../files/source-files.service';
import type { OembedDto } from './dto/oembed.dto';
import { wordsOf } from './link-preview';
import { type Box, fitPhoto, fitsAsIs, type Rendition } from './oembed-size';
import { PageSite } from './page-site';
import { PAGE_PATHS, shakePagePath } from './page-routes';

/** How long a consumer may keep an answer: a deleted file should not linger in embeds for long. */
const CACHE_AGE_SECONDS = 3600;

const FILE_PAGE = new RegExp(`^/${PAGE_PATHS.file}/([0-9A-Za-z]+)/?$`);

/** oEmbed 1.0 for the file pages: a `photo` within the consumer's box, or a `link` for an NSFW file. */
@Injectable()
export class OembedService {
  constructor(
    private readonly site: PageSite,
    private readonly posts: PostsService,
    private readonly presenter: FilePresenter,
    private readonly sources: SourceFilesService,
  ) {}

  async describe(url: string, box: Box): Promise<OembedDto> {
    const key = this.keyOf(url);
    if (!key) throw new NotFoundError('Not a page of a file on this site');
    const { file: post, source } = await this.posts.getLive(key);
    const file = await this.presenter.one(post);
    if (!file) throw new NotFoundError('No such file');
    const words = wordsOf(file);
    const about = {
      version: '1.0' as const,
      title: words.title,
      author_name: file.owner.username,
      author_url: this.site.url(shakePagePath(file.owner.username)),
      provider_name: this.site.name,
      provider_url: this.site.origin,
      cache_age: CACHE_AGE_SECONDS,
    };
    if (file.nsfw) return { type: 'link', ...about };

    const variants = await this.sources.findVariants(source._id);
    const ready = variants?.status === VariantsStatus.Ready ? variants : null;
    const renditions: Rendition[] = [{ url: this.site.url(file.urls.short.raw), width: file.width, height: file.height }];
    if (ready?.small && ready.small.width < file.width) {
      renditions.push({ url: this.site.url(file.urls.short.small), width: ready.small.width, height: ready.small.height });
    }
    const photo = fitPhoto(renditions, box);
    const thumbnail = ready?.thumbnail && {
      url: this.site.url(file.urls.short.thumbnail),
      width: ready.thumbnail.width,
      height: ready.thumbnail.height,
    };
    return {
      type: 'photo',
      ...about,
      url: photo.url,
      width: photo.width,
      height: photo.height,
      ...(thumbnail && fitsAsIs(thumbnail, box)
        ? { thumbnail_url: thumbnail.url, thumbnail_width: thumbnail.width, thumbnail_height: thumbnail.height }
        : {}),
    };
  }

  /** The share key of a file page URL of this site (PUBLIC_URL/p/<key>), or null. */
  private keyOf(url: string): string | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.origin !== new URL(this.site.origin).origin) return null;
    return FILE_PAGE.exec(parsed.pathname)?.[1] ?? null;
  }
}
