import { MAX_MENTIONS, mentionsIn } from './mentions';

describe('mentionsIn', () => {
  it.each([
    ['one name', 'hi @alice!', ['alice']],
    ['several, lower-cased, once each', '@Bob and @alice, @bob again', ['bob', 'alice']],
    ['names with _ and -', '(@a_b-c)', ['a_b-c']],
    ['not an email address', 'mail bob@example.com', []],
    ['not a name too short or too long', `@ab @${'x'.repeat(31)}`, []],
    ['not a bare @', '@ @!', []],
  ])('%s', (_, body, expected) => expect(mentionsIn(body)).toEqual(expected));

  it(`keeps at most ${MAX_MENTIONS}`, () => {
    expect(mentionsIn(Array.from({ length: 15 }, (_, i) => `@user${i}`).join(' '))).toHaveLength(MAX_MENTIONS);
  });
});
