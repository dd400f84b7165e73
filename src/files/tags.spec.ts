import { MAX_TAGS_PER_POST, normaliseTag, tagsOf } from './tags';

describe('tagsOf', () => {
  it.each([
    ['one tag', 'a #cat', ['cat']],
    ['lower-cased and deduplicated', '#Cat #cat #CAT', ['cat']],
    ['in order, at the start and after punctuation', '#one, (#two) and #three.', ['one', 'two', 'three']],
    ['letters of any script and digits', '#Café #2024 #猫', ['café', '2024', '猫']],
    ['not inside a word or an entity', 'a#b &#35; mail#x', []],
    ['not longer than 30 characters', `#${'x'.repeat(31)} #${'y'.repeat(30)}`, ['y'.repeat(30)]],
    ['not a bare #', '# #! ##', []],
  ])('%s', (_, description, expected) => {
    expect(tagsOf(description)).toEqual(expected);
  });

  it(`keeps at most ${MAX_TAGS_PER_POST}`, () => {
    const description = Array.from({ length: 30 }, (_, i) => `#t${i}`).join(' ');
    expect(tagsOf(description)).toHaveLength(MAX_TAGS_PER_POST);
  });
});

describe('normaliseTag', () => {
  it('accepts a tag with or without its #, any case', () => {
    expect(normaliseTag('Cats')).toBe('cats');
    expect(normaliseTag('#cats')).toBe('cats');
  });
  it.each(['', 'a b', 'x'.repeat(31), '$gt'])('refuses %p', (text) => expect(normaliseTag(text)).toBeNull());
});
