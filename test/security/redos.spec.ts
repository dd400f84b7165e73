import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { LoginDto, RegisterDto } from '../../src/auth/dto/auth.dto';
import { normaliseTag, tagsOf } from '../../src/files/tags';
import { parseSearchQuery } from '../../src/search/query/search-query';
import { foldText, termsOf } from '../../src/search/text/normalise';
import { mentionsIn } from '../../src/social/comments/mentions';

const SIZE = 100 * 1024;
/** Far above what these linear scans take (a few ms for 100 kB) and far below a backtracking blow-up (hours). */
const BOUND_MS = 2000;

/** Strings that make backtracking regular expressions go quadratic or worse: long runs that almost match. */
function adversarial(): Array<[string, string]> {
  const run = (unit: string) => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
  return [
    ['#', run('#')],
    ['#a...', `#${run('a')}`],
    ['a#', run('a#')],
    ['#aaaa(31)', run(`#${'a'.repeat(31)}`)],
    ['@', run('@')],
    ['@a...', `@${run('a')}!`],
    [' @ab', run(' @ab')],
    ['@aaa(31)', run(`@${'a'.repeat(31)}`)],
    ['from:', run('from:')],
    ['in:x ', run('in:x ')],
    ['quotes', run('"')],
    ['spaces then !', `${run(' ')}!`],
    ['accents', run('é́́')],
    ['emoji', run('😀')],
    ['email-like', `${run('a.')}@${run('b.')}`],
    ['dots and at', run('.@')],
  ];
}

const timed = (work: () => unknown) => {
  const started = performance.now();
  try {
    work();
  } catch {
    // Refusing the input is fine; taking long is not.
  }
  return performance.now() - started;
};

describe('No user-facing regular expression backtracks on 100 kB of adversarial text', () => {
  it.each(adversarial())('%s', async (_name, text) => {
    expect(timed(() => tagsOf(text))).toBeLessThan(BOUND_MS);
    expect(timed(() => normaliseTag(text))).toBeLessThan(BOUND_MS);
    expect(timed(() => mentionsIn(text))).toBeLessThan(BOUND_MS);
    expect(timed(() => parseSearchQuery(text, 'files'))).toBeLessThan(BOUND_MS);
    expect(timed(() => termsOf(text))).toBeLessThan(BOUND_MS);
    expect(timed(() => foldText(text))).toBeLessThan(BOUND_MS);

    // The DTOs' validators (validator.js isEmail among them) see the whole string before MaxLength refuses it.
    const started = performance.now();
    await validate(plainToInstance(RegisterDto, { username: text, email: text, password: text }));
    await validate(plainToInstance(LoginDto, { login: text, password: text }));
    expect(performance.now() - started).toBeLessThan(BOUND_MS);
  });
});
