import { createHash, randomBytes } from 'node:crypto';

/** mlt_ and 32 random bytes in base64url: recognisable in leaks, unguessable. */
export const newTokenSecret = (): string => `mlt_${randomBytes(32).toString('base64url')}`;

export const TOKEN_SECRET_PATTERN = /^mlt_[A-Za-z0-9_-]{43}$/;

/** A fast hash is enough: the secret has 256 bits of entropy, so there is nothing to brute-force. */
export const hashTokenSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');
