import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hasher';

describe('password hashing (scrypt)', () => {
  it('uses N=2^15, r=8, p=1 (32 MiB per hash), a 16-byte random salt and a 32-byte key, named in the hash', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    const [scheme, n, r, p, salt, key] = a.split('$');
    expect({ scheme, n, r, p }).toEqual({ scheme: 'scrypt', n: '32768', r: '8', p: '1' });
    expect(Buffer.from(salt!, 'base64')).toHaveLength(16);
    expect(Buffer.from(key!, 'base64')).toHaveLength(32);
    expect(b).not.toBe(a); // a new salt every time
    await expect(verifyPassword('correct horse battery', a)).resolves.toBe(true);
    await expect(verifyPassword('correct horse batterY', a)).resolves.toBe(false);
  });

  it('verifies against the dummy hash (unknown users) with the same parameters as a real one', async () => {
    expect(DUMMY_PASSWORD_HASH.split('$').slice(0, 4)).toEqual((await hashPassword('x')).split('$').slice(0, 4));
    await expect(verifyPassword('anything', DUMMY_PASSWORD_HASH)).resolves.toBe(false);
  });

  it('costs tens of milliseconds of CPU per hash, not microseconds', async () => {
    const before = process.cpuUsage();
    await hashPassword('correct horse battery');
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    console.log(`scrypt N=2^15 r=8 p=1: ${ms.toFixed(0)} ms CPU per hash`);
    expect(ms).toBeGreaterThan(10);
  });
});
