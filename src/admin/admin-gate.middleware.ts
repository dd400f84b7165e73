import { Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AuthGuard } from '../auth/auth.guard';
import { Role } from '../common/auth/role';
import { scopesAllow } from '../common/auth/token-scope';
import { NotAuthenticatedError } from '../common/errors/domain-errors';
import { errorBody } from '../common/filters/error-body';
import { ADMIN_SESSION_COOKIE, ADMIN_SESSION_PATH, AdminSessionsService } from './admin-sessions.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Ends the browser's session (a form on the sign-in page posts here, where the cookie is sent). */
export const SIGN_OUT_PATH = `${ADMIN_SESSION_PATH}/sign-out`;

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * A request that changes something with a session cookie must come from a page of this origin. The cookie is
 * SameSite=Strict, so other sites never send it; a page of this site on another origin (another port or
 * subdomain) still would, and the dashboard's own requests cannot carry a CSRF token, so the Origin header
 * (sent by browsers with every non-GET fetch and form) decides. Sec-Fetch-Site, where sent, must agree.
 */
export function isSameOrigin(req: Request): boolean {
  const fetchSite = req.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin') return false;
  const origin = req.headers.origin;
  return origin !== undefined && origin === `${req.protocol}://${req.get('host')}`;
}

/**
 * In front of the queue dashboard: admins only, by session cookie (browsers, see AdminSessionsService) or bearer
 * token (scripts). Anyone else gets 401 or 403 and nothing of the UI. Also answers POST SIGN_OUT_PATH.
 */
@Injectable()
export class AdminGate implements NestMiddleware {
  private readonly logger = new Logger('AdminGate');

  constructor(
    private readonly sessions: AdminSessionsService,
    private readonly auth: AuthGuard,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const secret = cookieValue(req.headers.cookie, ADMIN_SESSION_COOKIE);
      const header = req.headers.authorization;
      let role: Role | undefined;
      if (header !== undefined) {
        const caller = await this.auth.authenticate(header);
        if (!scopesAllow(caller.scopes, 'full')) return this.refuse(req, res, 403, 'A limited token never opens the dashboard');
        role = caller.role;
      } else if (secret) {
        role = (await this.sessions.resolve(secret))?.role;
        if (role && !SAFE_METHODS.has(req.method) && !isSameOrigin(req)) {
          return this.refuse(req, res, 403, 'Cross-origin request refused: the dashboard acts only on requests from its own pages');
        }
      }
      if (role === undefined) {
        return this.refuse(req, res, 401, 'Sign in first: /admin/sign-in (or send Authorization: Bearer <admin token>)');
      }
      if (role !== Role.Admin) return this.refuse(req, res, 403, 'Admins only');
      res.setHeader('Cache-Control', 'no-store');
      if (secret && req.method === 'POST' && req.originalUrl.split('?')[0] === SIGN_OUT_PATH) {
        await this.sessions.close(secret);
        res.clearCookie(ADMIN_SESSION_COOKIE, { path: ADMIN_SESSION_PATH, httpOnly: true, sameSite: 'strict' });
        res.redirect(303, '/admin/sign-in');
        return;
      }
      next();
    } catch (error) {
      if (error instanceof NotAuthenticatedError) return this.refuse(req, res, 401, error.message);
      this.logger.error({ err: error }, 'could not check the admin session');
      this.refuse(req, res, 503, 'Sessions are unavailable; try again shortly');
    }
  }

  private refuse(req: Request, res: Response, status: number, message: string): void {
    res.status(status).setHeader('Cache-Control', 'no-store');
    if (status === 401 && req.method === 'GET' && req.accepts(['json', 'html']) === 'html') {
      res
        .type('html')
        .send(`<!doctype html><title>Sign in</title><p>${message.replace(/[<>&]/g, '')}</p><p><a href="/admin/sign-in">Sign in</a></p>`);
      return;
    }
    res.json(errorBody(status, message, String(req.id)));
  }
}
