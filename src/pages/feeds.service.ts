import { Injectable } from '@nestjs/common';
import { Feed, type Item } from 'feed';
import { NotFoundError } from '../common/errors/domain-errors';
import type { FileDto } from '../files/dto/file.dto';
import { normaliseTag } from '../files/tags';
import { FilePresenter } from '../files/file.presenter';
import { StreamsService } from '../social/streams/streams.service';
import { wordsOf } from './link-preview';
import { PageSite } from './page-site';
import { FEED_FORMATS, type FeedFormat, feedPath, type FeedSource, filePagePath, shakePagePath } from './page-routes';
import { SharePagesService } from './share-pages.service';
import { render } from './templates';

/** The newest this many files are in a feed. */
export const FEED_ITEMS = 20;

interface FeedSubject {
  source: FeedSource;
  /** The shake name, tag or username in the feed's URL. */
  subject: string;
  title: string;
  description: string;
  /** The page the feed belongs to (absolute). */
  link: string;
  files: FileDto[];
}

/**
 * RSS 2.0, Atom 1.0 and JSON Feed 1.0 (with the `feed` library) of a shake's files, of a tag and of the files a
 * user liked: the newest FEED_ITEMS, NSFW files left out (feeds are public, read by no one signed in), each
 * with its image enclosed (URL, type and length), absolute URLs from PUBLIC_URL, and dates as each format
 * wants them. Text is escaped for HTML before it reaches the library, which puts it in CDATA sections as HTML.
 */
@Injectable()
export class FeedsService {
  constructor(
    private readonly site: PageSite,
    private readonly pages: SharePagesService,
    private readonly streams: StreamsService,
    private readonly presenter: FilePresenter,
  ) {}

  async shake(name: string, format: FeedFormat): Promise<string> {
    const shake = await this.pages.visibleShake(name);
    const page = await this.presenter.page(await this.streams.shakeFiles(shake.name, { limit: FEED_ITEMS }, false), false);
    return this.render(format, {
      source: 'shakes',
      subject: shake.name,
      title: `${shake.title} · ${this.site.name}`,
      description: shake.description.trim() || `The files of ${shake.name} on ${this.site.name}`,
      link: this.site.url(shakePagePath(shake.name)),
      files: page.items,
    });
  }

  async tag(text: string, format: FeedFormat): Promise<string> {
    const tag = normaliseTag(text);
    if (!tag) throw new NotFoundError('No such tag');
    const page = await this.presenter.page(await this.streams.tagged(tag, { limit: FEED_ITEMS }, false), false);
    return this.render(format, {
      source: 'tags',
      subject: tag,
      title: `#${tag} · ${this.site.name}`,
      description: `Files tagged #${tag} on ${this.site.name}`,
      link: this.site.url(feedPath('tags', tag, format)),
      files: page.items,
    });
  }

  async likes(username: string, format: FeedFormat): Promise<string> {
    const page = await this.presenter.page(await this.streams.likedBy(username, { limit: FEED_ITEMS }, false), false);
    const shake = await this.pages.visibleShake(username);
    return this.render(format, {
      source: 'likes',
      subject: shake.name,
      title: `Liked by ${shake.name} · ${this.site.name}`,
      description: `Files ${shake.name} liked on ${this.site.name}, most recent like first`,
      link: this.site.url(shakePagePath(shake.name)),
      files: page.items,
    });
  }

  private render(format: FeedFormat, about: FeedSubject): string {
    const files = about.files.filter((file) => !file.nsfw);
    const feed = new Feed({
      id: this.site.url(feedPath(about.source, about.subject, 'atom')),
      title: format === 'json' ? about.title : render.text(about.title),
      description: format === 'json' ? about.description : render.text(about.description),
      link: about.link,
      updated: files.length > 0 ? new Date(Math.max(...files.map((file) => Date.parse(file.createdAt)))) : undefined,
      generator: this.site.name,
      copyright: '',
      feedLinks: Object.fromEntries(
        (Object.keys(FEED_FORMATS) as FeedFormat[]).map((each) => [each, this.site.url(feedPath(about.source, about.subject, each))]),
      ),
    });
    for (const file of files) feed.addItem(this.itemOf(file, format));
    if (format === 'rss') return feed.rss2();
    if (format === 'json') return feed.json1();
    return withEnclosureTypes(
      feed.atom1(),
      files.map((file) => ({ url: this.site.url(file.urls.short.raw), type: file.contentType })),
    );
  }

  private itemOf(file: FileDto, format: FeedFormat): Item {
    const words = wordsOf(file);
    const pageUrl = this.site.url(filePagePath(file.key));
    const rawUrl = this.site.url(file.urls.short.raw);
    const date = new Date(file.createdAt);
    const content = render.feedItem({
      pageUrl,
      image: { src: rawUrl, width: file.width, height: file.height, alt: words.alt },
      description: file.description,
      owner: file.owner.username,
      ownerUrl: this.site.url(shakePagePath(file.owner.username)),
      shake: file.shake,
      shakeUrl: this.site.url(shakePagePath(file.shake)),
    });
    const item: Item = {
      title: format === 'json' ? words.title : render.text(words.title),
      id: pageUrl,
      link: pageUrl,
      date,
      published: date,
      description: content,
      author: [{ name: file.owner.username, link: this.site.url(shakePagePath(file.owner.username)) }],
    };
    // JSON Feed has no enclosure: its item names the image instead (the library would put an object there).
    if (format === 'json') item.image = rawUrl;
    else item.enclosure = { url: rawUrl, type: file.contentType, length: file.size };
    return item;
  }
}

/**
 * The `feed` library writes an Atom enclosure's type from the extension of its URL, ignoring the type it is
 * given (jpmonette/feed issue #224): our media URLs have no extension, so it writes `image//r/<key>`. Puts the
 * right type in its place; does nothing once the library gets it right.
 */
export function withEnclosureTypes(atom: string, enclosures: { url: string; type: string }[]): string {
  let fixed = atom;
  for (const { url, type } of enclosures) {
    const guessed = `image/${new URL(url).pathname.split('.').slice(-1)[0]}`;
    fixed = fixed.replace(`rel="enclosure" href="${url}" type="${guessed}"`, `rel="enclosure" href="${url}" type="${type}"`);
  }
  return fixed;
}
