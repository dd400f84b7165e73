import { InvalidStorageKeyError } from './storage.errors';
import { assertValidStorageKey } from './storage-key';

describe('assertValidStorageKey', () => {
  it.each(['a', 'Zx9_-.', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '7GqLm2Xa.thumb', 'x'.repeat(200)])(
    'accepts %s',
    (key) => expect(() => assertValidStorageKey(key)).not.toThrow(),
  );

  it.each(['', '.', '..', '.hidden', '../etc/passwd', 'a/b', 'a\\b', '/abs', '-rf', '_x', 'a b', 'a\0b', 'é', 'a\n', 'x'.repeat(201)])(
    'refuses %j',
    (key) => expect(() => assertValidStorageKey(key)).toThrow(InvalidStorageKeyError),
  );

  it('refuses what is not a string', () => {
    expect(() => assertValidStorageKey(undefined as unknown as string)).toThrow(InvalidStorageKeyError);
    expect(() => assertValidStorageKey(['a'] as unknown as string)).toThrow(InvalidStorageKeyError);
  });
});
