import type { Request } from 'express';
import { cookieValue, isSameOrigin } from './admin-gate.middleware';

const request = (headers: Record<string, string>, protocol = 'http') =>
  ({ headers, protocol, get: (name: string) => headers[name.toLowerCase()] }) as unknown as Request;

describe('the admin gate', () => {
  it('reads one cookie among several', () => {
    expect(cookieValue('a=1; malted_admin=s3cr=t; b=2', 'malted_admin')).toBe('s3cr=t');
    expect(cookieValue('malted_admin_x=1', 'malted_admin')).toBeUndefined();
    expect(cookieValue(undefined, 'malted_admin')).toBeUndefined();
  });

  it("takes a mutating request as the dashboard's own only with its exact origin", () => {
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'http://malted.example' }))).toBe(true);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'https://malted.example' }, 'https'))).toBe(true);
    expect(isSameOrigin(request({ host: 'malted.example' }))).toBe(false);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'null' }))).toBe(false);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'http://malted.example:8080' }))).toBe(false);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'https://malted.example' }))).toBe(false);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'http://evil.example' }))).toBe(false);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'http://malted.example', 'sec-fetch-site': 'same-site' }))).toBe(false);
    expect(isSameOrigin(request({ host: 'malted.example', origin: 'http://malted.example', 'sec-fetch-site': 'same-origin' }))).toBe(true);
  });
});
