/** A rendition of an image at a URL, in pixels. */
export interface Rendition {
  url: string;
  width: number;
  height: number;
}

export interface Box {
  maxwidth?: number;
  maxheight?: number;
}

const fits = (rendition: Rendition, box: Box) =>
  (box.maxwidth === undefined || rendition.width <= box.maxwidth) && (box.maxheight === undefined || rendition.height <= box.maxheight);

/**
 * The photo an oEmbed answer points at, within the consumer's maxwidth and maxheight: the largest rendition that
 * fits, or else the smallest one with its size scaled down to fit (keeping its shape; the consumer shows it at
 * that size). `renditions` keep the image's shape (the original, the small version), in any order.
 */
export function fitPhoto(renditions: Rendition[], box: Box): Rendition {
  const bySize = [...renditions].sort((a, b) => b.width * b.height - a.width * a.height);
  const fitting = bySize.find((rendition) => fits(rendition, box));
  if (fitting) return fitting;
  const smallest = bySize[bySize.length - 1];
  const scale = Math.min(
    box.maxwidth === undefined ? 1 : box.maxwidth / smallest.width,
    box.maxheight === undefined ? 1 : box.maxheight / smallest.height,
  );
  return {
    url: smallest.url,
    width: Math.max(1, Math.floor(smallest.width * scale)),
    height: Math.max(1, Math.floor(smallest.height * scale)),
  };
}

/** A thumbnail is given only when it fits as it is (oEmbed: thumbnails respect maxwidth and maxheight too). */
export const fitsAsIs = fits;
