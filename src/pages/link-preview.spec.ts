import { withEnclosureTypes } from './feeds.service';
import { previewTags } from './link-preview';
import { fitPhoto } from './oembed-size';

describe('previewTags', () => {
  const preview = { siteName: 'Malted', url: 'https://m.example/p/k', title: 'T', description: 'D' };
  const image = { url: 'https://m.example/r/k', type: 'image/gif', width: 40, height: 30, alt: 'A cat' };

  it('gives an image card with every image tag, the image itself (a GIF stays a GIF)', () => {
    const tags = Object.fromEntries(previewTags({ ...preview, image }).map((tag) => [tag.key, tag.content]));
    expect(tags).toMatchObject({
      'og:image': image.url,
      'og:image:secure_url': image.url,
      'og:image:type': 'image/gif',
      'og:image:width': '40',
      'og:image:height': '30',
      'og:image:alt': 'A cat',
      'twitter:card': 'summary_large_image',
      'twitter:image': image.url,
    });
  });

  it('gives no image tag at all without an image (NSFW)', () => {
    const tags = previewTags(preview);
    expect(tags.filter((tag) => tag.key.includes('image'))).toEqual([]);
    expect(tags.find((tag) => tag.key === 'twitter:card')?.content).toBe('summary');
  });
});

describe('fitPhoto', () => {
  const original = { url: 'r', width: 1100, height: 600 };
  const small = { url: 's', width: 550, height: 300 };

  it('takes the largest rendition that fits the box', () => {
    expect(fitPhoto([small, original], {})).toBe(original);
    expect(fitPhoto([original, small], { maxwidth: 1000 })).toBe(small);
    expect(fitPhoto([original, small], { maxheight: 300 })).toBe(small);
  });

  it('scales the smallest down, keeping its shape, when none fits', () => {
    expect(fitPhoto([original, small], { maxwidth: 110 })).toEqual({ url: 's', width: 110, height: 60 });
    expect(fitPhoto([original, small], { maxwidth: 500, maxheight: 30 })).toEqual({ url: 's', width: 55, height: 30 });
  });
});

describe('withEnclosureTypes', () => {
  it("puts the given type where the feed library guessed one from the URL's extension", () => {
    const atom = '<link rel="enclosure" href="https://m.example/r/Ab" type="image//r/Ab" length="5"/>';
    expect(withEnclosureTypes(atom, [{ url: 'https://m.example/r/Ab', type: 'image/jpeg' }])).toBe(
      '<link rel="enclosure" href="https://m.example/r/Ab" type="image/jpeg" length="5"/>',
    );
  });
});
