import { redactQuery, redactUrl } from './redact-url';

describe('redactUrl', () => {
  it.each([
    ['/account/reset-password?token=mle_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG', '/account/reset-password?token=[redacted]'],
    ['/account/unsubscribe?token=6b0e.follow.sig-nature_x&x=1', '/account/unsubscribe?token=[redacted]&x=1'],
    ['/a?TOKEN=1&token%5B%5D=2&code=3&invite=4', '/a?TOKEN=[redacted]&token%5B%5D=[redacted]&code=[redacted]&invite=[redacted]'],
    ['/api/v1/me/tokens/mlt_abcdefghijklmnopqrstuvwxyz?limit=5', '/api/v1/me/tokens/[redacted]?limit=5'],
    ['/api/v1/search?q=mlt_abcdefghijklmnopqrstu', '/api/v1/search?q=[redacted]'],
    ['/api/v1/files?limit=10&before=abc', '/api/v1/files?limit=10&before=abc'],
    ['/plain', '/plain'],
    ['/bad?token=%E0%A4%A', '/bad?token=[redacted]'],
  ])('%s', (url, logged) => expect(redactUrl(url)).toBe(logged));

  it('redacts a parsed query the same way', () => {
    expect(redactQuery({ token: 'x', q: 'mle_abcdefghijklmnopqrstu', limit: '5', tags: ['a'] })).toEqual({
      token: '[redacted]',
      q: '[redacted]',
      limit: '5',
      tags: ['a'],
    });
    expect(redactQuery(undefined)).toBeUndefined();
  });
});
