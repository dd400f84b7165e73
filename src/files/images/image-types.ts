/** The image types Malted accepts, decided from content. */
export const ACCEPTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif'] as const;

export type ImageMimeType = (typeof ACCEPTED_IMAGE_TYPES)[number];

export function isAcceptedImageType(mime: string | undefined): mime is ImageMimeType {
  return (ACCEPTED_IMAGE_TYPES as readonly string[]).includes(mime ?? '');
}

export const ACCEPTED_IMAGE_TYPES_TEXT = 'JPEG, PNG, GIF, WebP and AVIF';
