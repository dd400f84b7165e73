import { InvalidInputError } from '../../common/errors/domain-errors';
import { parseSearchQuery } from './search-query';

const refusal = (q: string, type: 'files' | 'shakes' | 'users' = 'files') => {
  try {
    parseSearchQuery(q, type);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error(`"${q}" was accepted`);
};

describe('parseSearchQuery', () => {
  it('normalises words the way entries are indexed', () => {
    expect(parseSearchQuery('  Café  CRÈME-brûlée ', 'files')).toEqual({ words: ['cafe', 'creme', 'brulee'], filters: {} });
  });

  it('takes from: and in: filters anywhere, case-insensitively, lower-casing their values', () => {
    expect(parseSearchQuery('FROM:Alice sunset In:Holidays', 'files')).toEqual({
      words: ['sunset'],
      filters: { from: 'alice', in: 'holidays' },
    });
    expect(parseSearchQuery('from:alice', 'files')).toEqual({ words: [], filters: { from: 'alice' } });
    expect(parseSearchQuery('from:bob cats', 'shakes').filters).toEqual({ from: 'bob' });
  });

  it('keeps each word once and the last word last', () => {
    expect(parseSearchQuery('cat dog cat', 'files').words).toEqual(['dog', 'cat']);
    expect(parseSearchQuery('cat cat dog', 'files').words).toEqual(['cat', 'dog']);
  });

  it('treats operators and regex syntax as text', () => {
    expect(parseSearchQuery('$where', 'files').words).toEqual(['where']);
    expect(parseSearchQuery('.*', 'files').words).toEqual([]);
    expect(parseSearchQuery('{ "$ne": null }', 'files').words).toEqual(['ne', 'null']);
    expect(parseSearchQuery('^(a+)+$', 'files').words).toEqual(['a']);
  });

  it('refuses empty, too short and too long queries with a clear message', () => {
    expect(refusal('')).toBe('q is empty: give the words to search for');
    expect(refusal('   ')).toBe('q is empty: give the words to search for');
    expect(refusal('a')).toBe('q must be at least 2 characters');
    expect(refusal(' é ')).toBe('q must be at least 2 characters');
    expect(refusal('x'.repeat(201))).toBe('q must be at most 200 characters (got 201)');
    expect(parseSearchQuery('x'.repeat(200), 'files').words).toHaveLength(1);
  });

  it('refuses more than 10 words, counting filters and words split on punctuation', () => {
    expect(parseSearchQuery('a b c d e f g h i j', 'files').words).toHaveLength(10);
    expect(refusal('a b c d e f g h i j k')).toBe('q must have at most 10 words (got 11)');
    expect(refusal('a.b.c.d.e.f.g.h.i.j.k')).toBe('q must have at most 10 words (got 11)');
    expect(refusal('a b c d e f g h i from:bob in:cats')).toBe('q must have at most 10 words (got 11)');
  });

  it('refuses filters that name nothing, repeat, or do not apply to the type', () => {
    expect(refusal('cats from:')).toBe('from: needs a username, e.g. from:alice');
    expect(refusal('cats in:$where')).toBe('in: needs a shake name, e.g. in:alice');
    expect(refusal('from:a from:b')).toBe('q may have only one from: filter');
    expect(refusal('cats in:x', 'shakes')).toBe('in: does not apply to type=shakes (it takes from:)');
    expect(refusal('alice from:bob', 'users')).toBe('from: does not apply to type=users (it takes no filters)');
  });
});
