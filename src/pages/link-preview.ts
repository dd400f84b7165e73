import type { FileDto } from '../files/dto/file.dto';

/** A `<meta>` of the page head: Open Graph uses `property`, Twitter cards `name`. */
export interface MetaTag {
  attribute: 'property' | 'name';
  key: string;
  content: string;
}

export interface PreviewImage {
  /** Absolute. */
  url: string;
  type: string;
  width: number;
  height: number;
  alt: string;
}

/** What a link to a page shows when pasted into a chat or a post. Every URL is absolute. */
export interface LinkPreview {
  siteName: string;
  url: string;
  title: string;
  description: string;
  /** None for NSFW files: their preview shows no image at all. */
  image?: PreviewImage;
}

/** Open Graph and Twitter card tags; a card with an image is `summary_large_image` (a GIF animates as itself). */
export function previewTags(preview: LinkPreview): MetaTag[] {
  const og = (key: string, content: string | number): MetaTag => ({ attribute: 'property', key: `og:${key}`, content: String(content) });
  const twitter = (key: string, content: string): MetaTag => ({ attribute: 'name', key: `twitter:${key}`, content });
  const { image } = preview;
  return [
    og('type', 'website'),
    og('site_name', preview.siteName),
    og('url', preview.url),
    og('title', preview.title),
    og('description', preview.description),
    ...(image
      ? [
          og('image', image.url),
          ...(image.url.startsWith('https:') ? [og('image:secure_url', image.url)] : []),
          og('image:type', image.type),
          og('image:width', image.width),
          og('image:height', image.height),
          og('image:alt', image.alt),
        ]
      : []),
    twitter('card', image ? 'summary_large_image' : 'summary'),
    twitter('title', preview.title),
    twitter('description', preview.description),
    ...(image ? [twitter('image', image.url), twitter('image:alt', image.alt)] : []),
  ];
}

/** The words a file is shown with: its title, the description of its preview, and the alt text of its image. */
export function wordsOf(file: Pick<FileDto, 'title' | 'description' | 'altText' | 'owner' | 'shake'>): {
  title: string;
  description: string;
  alt: string;
} {
  const title = file.title.trim();
  const description = file.description.trim();
  const posted = `Posted by ${file.owner.username} in ${file.shake}`;
  return {
    title: title || `An image by ${file.owner.username}`,
    description: description || posted,
    alt: file.altText.trim() || title || description || `An image posted by ${file.owner.username}`,
  };
}
