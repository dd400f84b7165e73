import Handlebars from 'handlebars';
import type { MetaTag } from './link-preview';

/**
 * The pages' templates (Handlebars, which escapes every `{{value}}` for HTML text and attributes alike). Only
 * `{{{content}}}` and `{{{style}}}` are inserted as they are, and both are made here: a page's content is the
 * output of another template of this file.
 */
const handlebars = Handlebars.create();
const compile = <T>(source: string) => handlebars.compile<T>(source, { knownHelpersOnly: true });

/** A `<link>` of the page head: feeds, oEmbed discovery. */
export interface HeadLink {
  rel: string;
  type: string;
  href: string;
  title: string;
}

export interface PageImage {
  src: string;
  width: number;
  height: number;
  alt: string;
}

export interface LayoutView {
  siteName: string;
  documentTitle: string;
  description?: string;
  canonical?: string;
  noindex?: boolean;
  meta: MetaTag[];
  links: HeadLink[];
  content: string;
}

export interface FilePageView {
  title: string;
  description: string;
  nsfw: boolean;
  image: PageImage;
  rawUrl: string;
  owner: string;
  ownerUrl: string;
  shake: string;
  shakeUrl: string;
  createdAt: string;
  createdOn: string;
  savedFromUrl: string | null;
  counts: string[];
  original: string;
}

export interface ShakePageView {
  title: string;
  description: string;
  kind: string;
  owner: string;
  ownerUrl: string;
  counts: string[];
  feeds: { href: string; label: string }[];
  items: { pageUrl: string; image: PageImage; title: string; nsfw: boolean }[];
  olderUrl: string | null;
}

export interface FeedItemView {
  pageUrl: string;
  image: PageImage | null;
  description: string;
  owner: string;
  ownerUrl: string;
  shake: string;
  shakeUrl: string;
}

export interface MessageView {
  title: string;
  message: string;
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 60rem; margin: 0 auto; padding: 1rem; color: #1d1d1f; background: #fff; }
header .site { margin: 0 0 1rem; font-weight: bold; }
figure { margin: 1rem 0; }
img { max-width: 100%; height: auto; }
.description { white-space: pre-line; }
.nsfw { padding: .5rem 1rem; background: #fff3cd; border-left: 4px solid #b58100; }
.counts, .files { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 1rem; }
.files li { width: 200px; }
.files span { display: block; overflow-wrap: anywhere; }
a { color: #0b57d0; }
`;

const layout = compile<LayoutView & { style: string }>(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{documentTitle}}</title>
{{#if description}}<meta name="description" content="{{description}}">
{{/if}}{{#if canonical}}<link rel="canonical" href="{{canonical}}">
{{/if}}{{#if noindex}}<meta name="robots" content="noindex">
{{/if}}{{#each meta}}<meta {{attribute}}="{{key}}" content="{{content}}">
{{/each}}{{#each links}}<link rel="{{rel}}" type="{{type}}" href="{{href}}" title="{{title}}">
{{/each}}<style>{{{style}}}</style>
</head>
<body>
<header><p class="site">{{siteName}}</p></header>
<main>
{{{content}}}
</main>
</body>
</html>
`);

handlebars.registerPartial(
  'image',
  '<img src="{{src}}" width="{{width}}" height="{{height}}" alt="{{alt}}"{{#if lazy}} loading="lazy"{{/if}}>',
);

const filePage = compile<FilePageView>(`<article>
<h1>{{title}}</h1>
{{#if nsfw}}<p class="nsfw" role="note"><strong>NSFW:</strong> this image is marked as not safe for work.</p>
<details><summary>Show the image</summary>
<figure><a href="{{rawUrl}}">{{> image image lazy=true}}</a></figure>
</details>
{{else}}<figure><a href="{{rawUrl}}">{{> image image}}</a></figure>
{{/if}}{{#if description}}<p class="description">{{description}}</p>
{{/if}}<p>Posted by <a href="{{ownerUrl}}">{{owner}}</a> in <a href="{{shakeUrl}}">{{shake}}</a> on <time datetime="{{createdAt}}">{{createdOn}}</time>{{#if savedFromUrl}}, saved from <a href="{{savedFromUrl}}">this post</a>{{/if}}.</p>
<ul class="counts">{{#each counts}}<li>{{this}}</li>{{/each}}</ul>
<p><a href="{{rawUrl}}">The original image</a> ({{original}}) · <a href="{{shakeUrl}}">More from {{shake}}</a></p>
</article>`);

const shakePage = compile<ShakePageView>(`<h1>{{title}}</h1>
{{#if description}}<p class="description">{{description}}</p>
{{/if}}<p>{{kind}} of <a href="{{ownerUrl}}">{{owner}}</a></p>
<ul class="counts">{{#each counts}}<li>{{this}}</li>{{/each}}</ul>
<p>Follow it: {{#each feeds}}{{#if @index}} · {{/if}}<a href="{{href}}">{{label}}</a>{{/each}}</p>
<h2>Files</h2>
{{#if items.length}}<ul class="files">
{{#each items}}<li><a href="{{pageUrl}}">{{> image image lazy=true}}<span>{{title}}</span></a></li>
{{/each}}</ul>
{{else}}<p>No files yet.</p>
{{/if}}{{#if olderUrl}}<p><a href="{{olderUrl}}" rel="next">Older files</a></p>
{{/if}}`);

const feedItem = compile<FeedItemView>(
  `{{#if image}}<p><a href="{{pageUrl}}">{{> image image}}</a></p>{{/if}}{{#if description}}<p>{{description}}</p>{{/if}}` +
    `<p>Posted by <a href="{{ownerUrl}}">{{owner}}</a> in <a href="{{shakeUrl}}">{{shake}}</a>.</p>`,
);

const message = compile<MessageView>(`<h1>{{title}}</h1>
<p>{{message}}</p>`);

export const render = {
  page: (view: LayoutView): string => layout({ ...view, style: STYLE }),
  filePage: (view: FilePageView): string => filePage(view),
  shakePage: (view: ShakePageView): string => shakePage(view),
  feedItem: (view: FeedItemView): string => feedItem(view),
  message: (view: MessageView): string => message(view),
  /** Text made safe for HTML (and so for the CDATA of a feed, which then never holds `]]>`). */
  text: (text: string): string => handlebars.Utils.escapeExpression(text),
};
