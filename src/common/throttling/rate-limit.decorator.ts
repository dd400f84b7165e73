import { SetMetadata } from '@nestjs/common';

/** Strict limits keyed by client address, on top of the general per-token limit. */
export type StrictLimit = 'login' | 'register' | 'mail';

export const RATE_LIMIT_METADATA = 'malted:rate-limit';

/** Puts the route under one of the strict limits (configured by LOGIN_/REGISTER_/MAIL_RATE_LIMIT_*). */
export const RateLimit = (limit: StrictLimit) => SetMetadata(RATE_LIMIT_METADATA, limit);
