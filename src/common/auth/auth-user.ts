import type { Request } from 'express';
import type { Types } from 'mongoose';
import type { Role } from './role';
import type { TokenScope } from './token-scope';

/** Who is calling, as the guard resolved it from the bearer token. */
export interface AuthUser {
  id: Types.ObjectId;
  username: string;
  role: Role;
  tokenId: Types.ObjectId;
  /** What the token used may do (see TokenScope). */
  scopes: TokenScope[];
  /** The user's NSFW opt-in, as of this request. */
  showNsfw: boolean;
  /** Whether the account's address is verified, as of this request (see @RequiresVerifiedEmail). */
  emailVerified: boolean;
}

/**
 * Whether NSFW files show to this caller, in the streams and in search alike: only to a signed-in user who opted
 * in (PATCH /me), never to anonymous visitors.
 */
export const showsNsfw = (viewer: AuthUser | undefined): boolean => viewer?.showNsfw === true;

export type AuthenticatedRequest = Request & { user?: AuthUser };
