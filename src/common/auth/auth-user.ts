import type { Request } from 'express';
import type { Types } from 'mongoose';
import type { Role } from './role';

/** Who is calling, as the guard resolved it from the bearer token. */
export interface AuthUser {
  id: Types.ObjectId;
  username: string;
  role: Role;
  tokenId: Types.ObjectId;
  /** The user's NSFW opt-in, as of this request. */
  showNsfw: boolean;
}

export type AuthenticatedRequest = Request & { user?: AuthUser };
