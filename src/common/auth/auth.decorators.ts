import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { VerifiedAction } from '../../config/environment';
import type { AuthenticatedRequest, AuthUser } from './auth-user';
import type { TokenScope } from './token-scope';

/** The name of the bearer-token security scheme in the OpenAPI document. */
export const BEARER_AUTH = 'bearer';

export const ACCESS_METADATA = 'malted:access';
export type Access = 'public' | 'user' | 'admin';

/** Anyone may call the route; a valid token still identifies the caller, an invalid one is refused. */
export const Public = () => SetMetadata(ACCESS_METADATA, 'public' satisfies Access);

/** The route needs a signed-in user (the default for every route that says nothing). */
export const Authenticated = () =>
  applyDecorators(
    SetMetadata(ACCESS_METADATA, 'user' satisfies Access),
    ApiBearerAuth(BEARER_AUTH),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, revoked or unknown token' }),
  );

/** The route needs an admin. */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(ACCESS_METADATA, 'admin' satisfies Access),
    ApiBearerAuth(BEARER_AUTH),
    ApiUnauthorizedResponse({ description: 'Missing, malformed, revoked or unknown token' }),
    ApiForbiddenResponse({ description: 'The caller is not an admin' }),
  );

export const SCOPE_METADATA = 'malted:scope';

/**
 * The token scope the route needs. A route that declares none needs a `full` token: limited tokens are refused
 * (403) everywhere but on the routes that name their scope here.
 */
export const RequiresScope = (scope: TokenScope) =>
  applyDecorators(
    SetMetadata(SCOPE_METADATA, scope),
    ApiForbiddenResponse({ description: `The token has neither the \`${scope}\` nor the \`full\` scope` }),
  );

export const VERIFIED_ACTION_METADATA = 'malted:verified-action';

/**
 * The route is `action`: an account whose address is not verified may not do it while
 * EMAIL_VERIFICATION_REQUIRED_FOR lists it (the guard answers 403 saying how to verify).
 */
export const RequiresVerifiedEmail = (action: VerifiedAction) =>
  applyDecorators(
    SetMetadata(VERIFIED_ACTION_METADATA, action),
    ApiForbiddenResponse({ description: `Your address is not verified yet, and this site requires that before you ${action}` }),
  );

/** The signed-in caller (undefined on a public route called anonymously). */
export const CurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): AuthUser | undefined => context.switchToHttp().getRequest<AuthenticatedRequest>().user,
);
