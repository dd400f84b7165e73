import { foldText, MAX_TERM_LENGTH, termsOf } from './normalise';

describe('search text normalisation', () => {
  it('folds case and diacritics the same way for any spelling', () => {
    expect(termsOf('Café')).toEqual(['cafe']);
    expect(termsOf('CAFÉ')).toEqual(['cafe']);
    expect(termsOf('cafe\u0301')).toEqual(['cafe']); // e + combining acute accent (NFD input)
    expect(termsOf('Crème Brûlée à Zürich')).toEqual(['creme', 'brulee', 'a', 'zurich']);
  });

  it('unfolds compatibility forms and letters NFKD leaves alone', () => {
    expect(termsOf('ﬁsh')).toEqual(['fish']); // the fi ligature
    expect(termsOf('ＦＵＬＬ ｗｉｄｔｈ')).toEqual(['full', 'width']);
    expect(termsOf('x²')).toEqual(['x2']);
    expect(termsOf('Straße Øresund Łódź İstanbul')).toEqual(['strasse', 'oresund', 'lodz', 'istanbul']);
  });

  it('splits on punctuation and symbols, keeping letters and digits of any script', () => {
    expect(termsOf("rock'n'roll, e-mail & C++ (2024)!")).toEqual(['rock', 'n', 'roll', 'e', 'mail', 'c', '2024']);
    expect(termsOf('cool_cat')).toEqual(['cool', 'cat']);
    expect(termsOf('Москва 東京')).toEqual(['москва', '東京']);
    expect(termsOf('  ...  ')).toEqual([]);
  });

  it('turns operators and regex syntax into plain terms or nothing', () => {
    expect(termsOf('$where')).toEqual(['where']);
    expect(termsOf('.*')).toEqual([]);
    expect(termsOf('{"$gt": ""}')).toEqual(['gt']);
    expect(termsOf('a|b (c)')).toEqual(['a', 'b', 'c']);
  });

  it('cuts long terms by code points', () => {
    const long = '𝒳'.repeat(MAX_TERM_LENGTH + 5);
    const [term] = termsOf(long);
    expect([...term]).toHaveLength(MAX_TERM_LENGTH);
  });

  it('keeps punctuation in folded text (the split comes after)', () => {
    expect(foldText('Ça-va?')).toBe('ca-va?');
  });
});
