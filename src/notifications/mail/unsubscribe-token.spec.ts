import { readUnsubscribeToken, unsubscribeTokenFor, unsubscribeUrlFor } from './unsubscribe-token';

const secret = 'a-test-secret-of-at-least-32-characters';
const userId = '65a1b2c3d4e5f6a7b8c9d0e1';

describe('unsubscribe tokens', () => {
  it('carry the user and the scope they were signed for', () => {
    const token = unsubscribeTokenFor(secret, { userId, scope: 'mention' });
    expect(readUnsubscribeToken(secret, token)).toEqual({ userId, scope: 'mention' });
    expect(unsubscribeUrlFor('https://malted.example.com', secret, { userId, scope: 'all' })).toMatch(
      /^https:\/\/malted\.example\.com\/account\/unsubscribe\?token=65a1b2c3d4e5f6a7b8c9d0e1\.all\.[A-Za-z0-9_-]{43}$/,
    );
  });

  it('refuse another scope, another user, another secret and anything malformed', () => {
    const token = unsubscribeTokenFor(secret, { userId, scope: 'follow' });
    const [, , signature] = token.split('.');
    expect(readUnsubscribeToken(secret, `${userId}.all.${signature}`)).toBeNull();
    expect(readUnsubscribeToken(secret, `65a1b2c3d4e5f6a7b8c9d0e2.follow.${signature}`)).toBeNull();
    expect(readUnsubscribeToken(`${secret}!`, token)).toBeNull();
    expect(readUnsubscribeToken(secret, `${userId}.everything.${signature}`)).toBeNull();
    expect(readUnsubscribeToken(secret, token.slice(0, -1))).toBeNull();
    expect(readUnsubscribeToken(secret, '')).toBeNull();
  });
});
