import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ForbiddenError, NotAuthenticatedError } from '../common/errors/domain-errors';
import { Role } from '../common/auth/role';
import { UsersService } from '../users/users.service';
import { ConfigService } from '@nestjs/config';
import { type Access, ACCESS_METADATA, SCOPE_METADATA, VERIFIED_ACTION_METADATA } from '../common/auth/auth.decorators';
import { scopesAllow, type TokenScope } from '../common/auth/token-scope';
import type { ResolvedEnvironment, VerifiedAction } from '../config/environment';
import type { AuthenticatedRequest, AuthUser } from '../common/auth/auth-user';
import { TOKEN_SECRET_PATTERN } from './token-secret';
import { TokensService } from './tokens.service';

/**
 * The global guard. Every route needs a user unless marked @Public(); @AdminOnly() routes need an admin.
 * A limited token (see TokenScope) is refused on every route, public or not, but those whose @RequiresScope it has.
 * A token that is present but malformed, unknown, revoked or belongs to a disabled user is always refused,
 * even on public routes, so a client never mistakes a dead token for an anonymous session.
 */
const ACTION_TEXT: Record<VerifiedAction, string> = {
  upload: 'upload',
  save: 'save files',
  comment: 'comment',
  'create-shake': 'create shakes',
};

@Injectable()
export class AuthGuard implements CanActivate {
  /** What an unverified account may not do (nothing while verification is off). */
  private readonly needVerifiedEmail: Set<VerifiedAction>;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokensService,
    private readonly users: UsersService,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    this.needVerifiedEmail = new Set(
      config.get('EMAIL_VERIFICATION_ENABLED', { infer: true }) ? config.get('EMAIL_VERIFICATION_REQUIRED_FOR', { infer: true }) : [],
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const access =
      this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]) ?? 'user';
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();

    const header = request.headers.authorization;
    if (header === undefined) {
      if (access === 'public') return true;
      throw new NotAuthenticatedError('Sign in: send Authorization: Bearer <token>');
    }
    request.user = await this.authenticate(header);
    const scope =
      this.reflector.getAllAndOverride<TokenScope | undefined>(SCOPE_METADATA, [context.getHandler(), context.getClass()]) ?? 'full';
    if (!scopesAllow(request.user.scopes, scope)) {
      throw new ForbiddenError(
        `This token is limited to ${request.user.scopes.join(', ')}; this route needs a token with the ${scope} scope`,
      );
    }
    if (access === 'admin' && request.user.role !== Role.Admin) {
      throw new ForbiddenError('Admins only');
    }
    const action = this.reflector.get<VerifiedAction | undefined>(VERIFIED_ACTION_METADATA, context.getHandler());
    if (action && !request.user.emailVerified && this.needVerifiedEmail.has(action)) {
      throw new ForbiddenError(
        `Verify your email address before you ${ACTION_TEXT[action]}: follow the link we mailed you, ` +
          'or ask for a new one with POST /api/v1/auth/verify-email/resend',
      );
    }
    return true;
  }

  /** The user of an `Authorization: Bearer <token>` header; throws NotAuthenticatedError for any other. */
  async authenticate(header: string): Promise<AuthUser> {
    const match = /^Bearer (\S+)$/.exec(header);
    if (!match || !TOKEN_SECRET_PATTERN.test(match[1])) {
      throw new NotAuthenticatedError('Malformed Authorization header: expected Bearer <token>');
    }
    const token = await this.tokens.resolve(match[1]);
    const user = token ? await this.users.findById(token.userId) : null;
    if (!token || !user || user.disabled) {
      throw new NotAuthenticatedError('Invalid or revoked token');
    }
    return {
      id: user._id,
      username: user.username,
      role: user.role,
      tokenId: token._id,
      scopes: token.scopes,
      showNsfw: user.showNsfw,
      emailVerified: user.emailVerified,
    };
  }
}
