import { randomInt } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const SHARE_KEY_LENGTH = 10;
export const SHARE_KEY_PATTERN = /^[0-9A-Za-z]{10}$/;

/** 10 base62 characters from the CSPRNG: about 59 bits, unguessable and short enough for a URL. */
export function newShareKey(): string {
  let key = '';
  for (let i = 0; i < SHARE_KEY_LENGTH; i++) key += ALPHABET[randomInt(ALPHABET.length)];
  return key;
}
