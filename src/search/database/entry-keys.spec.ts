import { entryKeys, exactKey, filterKey, MAX_TERMS_PER_ENTRY, prefixesOf } from './entry-keys';

describe('search entry keys', () => {
  it('has each whole term and its prefixes of 2+ characters', () => {
    expect(entryKeys(['Café au lait'], [])).toEqual(['=cafe', 'ca', 'caf', 'cafe', '=au', 'au', '=lait', 'la', 'lai', 'lait']);
  });

  it('keeps one-letter terms whole only', () => {
    expect(entryKeys(['a b'], [])).toEqual(['=a', '=b']);
  });

  it('puts filter keys first and never repeats a key', () => {
    expect(entryKeys(['cat cat', 'Cat'], [filterKey('from', 'Alice')])).toEqual(['from:alice', '=cat', 'ca', 'cat']);
  });

  it('cannot confuse text with a filter key: terms never hold punctuation', () => {
    const keys = entryKeys(['from:alice in:cats'], []);
    expect(keys).not.toContain('from:alice');
    expect(keys).not.toContain('in:cats');
    expect(keys).toEqual(expect.arrayContaining([exactKey('from'), exactKey('alice'), exactKey('in'), exactKey('cats')]));
  });

  it('stops after MAX_TERMS_PER_ENTRY distinct terms, earlier texts first', () => {
    const many = Array.from({ length: MAX_TERMS_PER_ENTRY + 50 }, (_, i) => `t${i}`).join(' ');
    const keys = entryKeys(['title words', many], []);
    expect(keys.filter((key) => key.startsWith('='))).toHaveLength(MAX_TERMS_PER_ENTRY);
    expect(keys).toContain('=title');
  });

  it('builds prefixes by code points', () => {
    expect(prefixesOf('日本語')).toEqual(['日本', '日本語']);
    expect(prefixesOf('a')).toEqual([]);
  });
});
