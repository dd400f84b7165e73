import type { NextFunction, Request, Response } from 'express';
import { isReservedName } from '../shakes/reserved-names';
import { PAGE_PATHS } from './page-routes';

const ONE_SEGMENT = /^\/([A-Za-z0-9_-]{1,30})\/?$/;

/**
 * Sends GET /<name> (any one-segment path that could name a shake and is not reserved) to the shake's page at
 * /shake/<name>, before routing. Reserved names (every other top-level path the app serves) are left alone, so a
 * shake page can never shadow them, and anything else no route serves stays a plain 404. `originalUrl` keeps the
 * path as asked, which is what the response cache keys entries by.
 */
export function routeShakePages(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const queryAt = req.url.indexOf('?');
    const path = queryAt < 0 ? req.url : req.url.slice(0, queryAt);
    const name = ONE_SEGMENT.exec(path)?.[1];
    if (name && !isReservedName(name)) req.url = `/${PAGE_PATHS.shake}/${name}${queryAt < 0 ? '' : req.url.slice(queryAt)}`;
  }
  next();
}
