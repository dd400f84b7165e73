import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

/**
 * Whether a presented secret (a token, a signature, a derived key) equals the expected one, in a time that tells
 * nothing about where they differ or how long the expected one is: both are hashed to 32 bytes first, so
 * timingSafeEqual always compares equal lengths (it throws on unequal ones). The one place secrets are compared;
 * stored ones are looked up by their SHA-256 instead, which an attacker cannot steer byte by byte.
 */
export const sameSecret = (given: string | Buffer, expected: string | Buffer): boolean => timingSafeEqual(digest(given), digest(expected));
