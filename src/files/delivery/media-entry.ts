import type { Types } from 'mongoose';
import type { SharedFile } from '../schemas/shared-file.schema';
import type { SourceFile } from '../schemas/source-file.schema';
import { type StoredVariant, type VariantSet, VariantsStatus } from '../schemas/variant-set.schema';

const EXTENSIONS: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/** The file name a post's original is offered under when the uploader gave none: `<key>.<extension>`. */
export const defaultFileNameOf = (key: string, contentType: string): string => `${key}.${EXTENSIONS[contentType] ?? 'bin'}`;

/** What the media routes serve: the original bytes or one of the variants the worker renders. */
export type MediaKind = 'raw' | 'thumbnail' | 'small';

/** One stored object as the serving code needs it. */
export interface MediaObject {
  storageKey: string;
  /** Strong, quoted ETag derived from the content hash. */
  etag: string;
  size: number;
  contentType: string;
  /** A safe file name (derived from the share key, never from user input). */
  filename: string;
}

export type MediaVariants = { status: 'pending' } | { status: 'failed' } | { status: 'ready'; thumbnail: MediaObject; small: MediaObject };

/**
 * Everything serving a share key needs, so that a hit costs no database read: immutable until the post is
 * deleted or hidden (then every process drops it, see MediaInvalidationFeed), except `variants`, which
 * moves once from pending to ready or failed.
 */
export interface MediaEntry {
  key: string;
  postId: string;
  ownerId: string;
  sourceId: string;
  sha256: string;
  nsfw: boolean;
  raw: MediaObject;
  variants: MediaVariants;
}

function variantObject(key: string, sha256: string, name: 'thumbnail' | 'small', variant: StoredVariant): MediaObject {
  return {
    storageKey: variant.storageKey,
    etag: `"${sha256}-${name}"`,
    size: variant.size,
    contentType: variant.contentType,
    filename: `${key}-${name}.webp`,
  };
}

export function variantsOf(key: string, source: Pick<SourceFile, 'sha256'>, variants: VariantSet | null): MediaVariants {
  if (!variants) return { status: 'pending' };
  if (variants.status === VariantsStatus.Failed || !variants.thumbnail || !variants.small) return { status: 'failed' };
  return {
    status: 'ready',
    thumbnail: variantObject(key, source.sha256, 'thumbnail', variants.thumbnail),
    small: variantObject(key, source.sha256, 'small', variants.small),
  };
}

export function mediaEntryOf(
  file: Pick<SharedFile, 'key' | 'userId'> & { _id: Types.ObjectId },
  source: Pick<SourceFile, 'storageKey' | 'sha256' | 'size' | 'contentType' | 'nsfw'> & { _id: Types.ObjectId },
  variants: VariantSet | null,
): MediaEntry {
  return {
    key: file.key,
    postId: file._id.toHexString(),
    ownerId: file.userId.toHexString(),
    sourceId: source._id.toHexString(),
    sha256: source.sha256,
    nsfw: source.nsfw,
    raw: {
      storageKey: source.storageKey,
      etag: `"${source.sha256}"`,
      size: source.size,
      contentType: source.contentType,
      filename: defaultFileNameOf(file.key, source.contentType),
    },
    variants: variantsOf(file.key, source, variants),
  };
}
