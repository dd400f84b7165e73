import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createHash, randomBytes } from 'node:crypto';
import { type AuthUser } from '../common/auth/auth-user';
import { Role } from '../common/auth/role';
import type { RedisClient } from '../common/redis/redis-connection';
import { REDIS_CLIENT } from '../common/redis/redis.constants';
import type { ResolvedEnvironment } from '../config/environment';
import { TokensService } from '../auth/tokens.service';
import { UsersService } from '../users/users.service';

/** The cookie a browser shows the queue dashboard; sent only below /admin/queues. */
export const ADMIN_SESSION_COOKIE = 'malted_admin';
export const ADMIN_SESSION_PATH = '/admin/queues';

interface StoredSession {
  userId: string;
  tokenId: string;
}

const keyOf = (secret: string) => `admin-session:${createHash('sha256').update(secret).digest('base64url')}`;

/**
 * Browser sessions of admins for the queue dashboard, made from an admin's bearer token (browsers cannot send
 * one to a page). The cookie holds a random secret; Redis holds only its hash, with a TTL. A session is as good
 * as the token and the account it came from: it stops at once when the token is revoked or the user is
 * disabled or no longer an admin.
 */
@Injectable()
export class AdminSessionsService {
  readonly ttlSeconds: number;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: RedisClient,
    private readonly tokens: TokensService,
    private readonly users: UsersService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.ttlSeconds = config.get('ADMIN_SESSION_TTL_SECONDS', { infer: true });
  }

  /** A new session for an admin; returns the cookie value, shown once. */
  async open(admin: AuthUser): Promise<{ secret: string; expiresAt: Date }> {
    const secret = randomBytes(32).toString('base64url');
    const stored: StoredSession = { userId: String(admin.id), tokenId: String(admin.tokenId) };
    await this.redis.set(keyOf(secret), JSON.stringify(stored), 'EX', this.ttlSeconds);
    return { secret, expiresAt: new Date(Date.now() + this.ttlSeconds * 1000) };
  }

  /**
   * Who holds this session: `null` when there is no such live session (or its token was revoked, or its user
   * disabled), the user otherwise, admin or not (the caller refuses non-admins with 403).
   */
  async resolve(secret: string): Promise<{ username: string; role: Role } | null> {
    const raw = await this.redis.get(keyOf(secret));
    if (!raw) return null;
    const session = JSON.parse(raw) as StoredSession;
    const [tokenLive, user] = await Promise.all([this.tokens.exists(session.tokenId), this.users.findById(session.userId)]);
    if (!tokenLive || !user || user.disabled) {
      await this.close(secret);
      return null;
    }
    return { username: user.username, role: user.role };
  }

  async close(secret: string): Promise<void> {
    await this.redis.del(keyOf(secret));
  }
}
