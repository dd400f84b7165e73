import { Injectable } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain-errors';
import type { FileDto } from '../files/dto/file.dto';
import { FilePresenter } from '../files/file.presenter';
import { PostsService } from '../files/posts.service';
import type { ShakeDto } from '../shakes/dto/shake.dto';
import { ShakeType } from '../shakes/schemas/shake.schema';
import { ShakePresenter } from '../shakes/shake.presenter';
import { ShakesService } from '../shakes/shakes.service';
import { StreamsService } from '../social/streams/streams.service';
import { UsersService } from '../users/users.service';
import { type LinkPreview, previewTags, wordsOf } from './link-preview';
import { PageSite } from './page-site';
import { feedPath, type FeedSource, filePagePath, PAGE_PATHS, shakePagePath } from './page-routes';
import { type HeadLink, render } from './templates';

/** Files on a shake's page (its first page, and each older one). */
export const SHAKE_PAGE_FILES = 24;

const FEED_LINKS = [
  { format: 'rss', type: 'application/rss+xml', label: 'RSS' },
  { format: 'atom', type: 'application/atom+xml', label: 'Atom' },
  { format: 'json', type: 'application/feed+json', label: 'JSON Feed' },
] as const;

const plural = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`;

export function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * The share pages: what anyone who opens a link sees, rendered on the server from the same public DTOs as the
 * API (FileDto, ShakeDto), so no private detail of an owner can reach them. A page shows what an anonymous
 * visitor may see: NSFW files say so and show no preview image; a post that is not visible, a shake whose owner
 * is disabled, is a 404.
 */
@Injectable()
export class SharePagesService {
  constructor(
    private readonly site: PageSite,
    private readonly posts: PostsService,
    private readonly filePresenter: FilePresenter,
    private readonly shakes: ShakesService,
    private readonly shakePresenter: ShakePresenter,
    private readonly users: UsersService,
    private readonly streams: StreamsService,
  ) {}

  async filePage(key: string): Promise<string> {
    const file = await this.filePresenter.oneShown(await this.posts.getVisible(key));
    const words = wordsOf(file);
    const pageUrl = this.site.url(filePagePath(file.key));
    const preview: LinkPreview = {
      siteName: this.site.name,
      url: pageUrl,
      title: words.title,
      description: file.nsfw ? `NSFW: ${words.description}` : words.description,
      image: file.nsfw
        ? undefined
        : { url: this.site.url(file.urls.short.raw), type: file.contentType, width: file.width, height: file.height, alt: words.alt },
    };
    const content = render.filePage({
      title: words.title,
      description: file.description,
      nsfw: file.nsfw,
      image: { src: file.urls.short.raw, width: file.width, height: file.height, alt: words.alt },
      rawUrl: file.urls.short.raw,
      owner: file.owner.username,
      ownerUrl: shakePagePath(file.owner.username),
      shake: file.shake,
      shakeUrl: shakePagePath(file.shake),
      createdAt: file.createdAt,
      createdOn: file.createdAt.slice(0, 10),
      savedFromUrl: file.savedFrom ? filePagePath(file.savedFrom) : null,
      counts: [
        plural(file.counts.likes, 'like'),
        plural(file.counts.saves, 'save'),
        plural(file.counts.views, 'view'),
        plural(file.counts.comments, 'comment'),
      ],
      original: `${file.contentType}, ${file.width} × ${file.height}${file.frames > 1 ? `, ${file.frames} frames` : ''}, ${sizeOf(file.size)}`,
    });
    return render.page({
      siteName: this.site.name,
      documentTitle: `${words.title} · ${file.shake} · ${this.site.name}`,
      description: preview.description,
      canonical: pageUrl,
      meta: previewTags(preview),
      links: [
        {
          rel: 'alternate',
          type: 'application/json+oembed',
          href: this.site.url(`/${PAGE_PATHS.oembed}?url=${encodeURIComponent(pageUrl)}&format=json`),
          title: words.title,
        },
        ...this.feedLinks('shakes', file.shake, `${file.shake} on ${this.site.name}`),
      ],
      content,
    });
  }

  async shakePage(name: string, before?: string): Promise<string> {
    const shake = await this.visibleShake(name);
    const page = await this.filePresenter.page(
      await this.streams.shakeFiles(shake.name, { before, limit: SHAKE_PAGE_FILES }, false),
      false,
    );
    const pageUrl = this.site.url(shakePagePath(shake.name));
    const [newest] = page.items;
    const description = shake.description.trim() || `${plural(shake.fileCount, 'file')} by ${shake.owner.username} on ${this.site.name}`;
    const preview: LinkPreview = {
      siteName: this.site.name,
      url: pageUrl,
      title: shake.title,
      description,
      image: newest && this.previewImageOf(newest),
    };
    const userShake = shake.type === ShakeType.User;
    const feeds = [
      ...FEED_LINKS.map(({ format, label }) => ({ href: feedPath('shakes', shake.name, format), label })),
      ...(userShake
        ? FEED_LINKS.map(({ format, label }) => ({ href: feedPath('likes', shake.name, format), label: `${label} of likes` }))
        : []),
    ];
    const content = render.shakePage({
      title: shake.title,
      description: shake.description,
      kind: userShake ? 'The shake' : 'A group shake',
      owner: shake.owner.username,
      ownerUrl: shakePagePath(shake.owner.username),
      counts: [plural(shake.followerCount, 'follower'), plural(shake.fileCount, 'file')],
      feeds,
      items: page.items.map((file) => ({
        pageUrl: filePagePath(file.key),
        image: { src: file.urls.short.thumbnail, width: 200, height: 200, alt: wordsOf(file).alt },
        title: file.title,
        nsfw: file.nsfw,
      })),
      olderUrl: page.next ? `${shakePagePath(shake.name)}?before=${encodeURIComponent(page.next)}` : null,
    });
    return render.page({
      siteName: this.site.name,
      documentTitle: `${shake.title} · ${this.site.name}`,
      description,
      canonical: before === undefined ? pageUrl : undefined,
      meta: previewTags(preview),
      links: [
        ...this.feedLinks('shakes', shake.name, `${shake.title} on ${this.site.name}`),
        ...(userShake ? this.feedLinks('likes', shake.name, `Liked by ${shake.name} on ${this.site.name}`) : []),
      ],
      content,
    });
  }

  /** A page for an error a visitor can meet (404, 400). */
  messagePage(title: string, message: string): string {
    return render.page({
      siteName: this.site.name,
      documentTitle: `${title} · ${this.site.name}`,
      noindex: true,
      meta: [],
      links: [],
      content: render.message({ title, message }),
    });
  }

  /** A shake as anyone sees it: none whose owner is disabled. */
  async visibleShake(name: string): Promise<ShakeDto> {
    const shake = await this.shakes.findByName(name);
    const owner = shake && (await this.users.findById(shake.ownerId));
    if (!shake || !owner || owner.disabled) throw new NotFoundError('No such shake');
    return this.shakePresenter.shake(shake);
  }

  private previewImageOf(file: FileDto): LinkPreview['image'] {
    if (file.nsfw) return undefined;
    const { alt } = wordsOf(file);
    return { url: this.site.url(file.urls.short.raw), type: file.contentType, width: file.width, height: file.height, alt };
  }

  private feedLinks(source: FeedSource, subject: string, title: string): HeadLink[] {
    return FEED_LINKS.map(({ format, type, label }) => ({
      rel: 'alternate',
      type,
      href: this.site.url(feedPath(source, subject, format)),
      title: `${title} (${label})`,
    }));
  }
}
