import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, StreamableFile } from '@nestjs/common';
import type { Response } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import type { AuthenticatedRequest, AuthUser } from '../../common/auth/auth-user';
import { etagOf } from '../../common/cache/response-cache.interceptor';
import { ViewerStateService } from './viewer-state.service';

type JsonObject = Record<string, unknown>;

/** How deep file and shake objects sit in any response (a page's items, a search hit): deeper is not looked at. */
const MAX_DEPTH = 4;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A post as FileDto or search's FileHitDto shows it: its share key beside its media URLs. */
export const isFileJson = (value: JsonObject): boolean =>
  typeof value.key === 'string' && isObject(value.urls) && typeof value.urls.raw === 'string';

/** A shake as ShakeDto, ShakeSummaryDto or search's ShakeHitDto shows it. */
export const isShakeJson = (value: JsonObject): boolean =>
  typeof value.name === 'string' &&
  (value.type === 'user' || value.type === 'group') &&
  typeof value.title === 'string' &&
  isObject(value.owner) &&
  typeof value.owner.username === 'string';

interface Found {
  files: JsonObject[];
  shakes: JsonObject[];
}

const mentionsAny = (found: Found) => found.files.length > 0 || found.shakes.length > 0;

function collect(value: unknown, found: Found, depth = 0): Found {
  if (depth > MAX_DEPTH) return found;
  if (Array.isArray(value)) {
    for (const item of value) collect(item, found, depth + 1);
  } else if (isObject(value)) {
    if (isFileJson(value)) found.files.push(value);
    else if (isShakeJson(value)) found.shakes.push(value);
    else for (const child of Object.values(value)) collect(child, found, depth + 1);
  }
  return found;
}

/**
 * Adds `viewer` to every post and shake in a signed-in caller's JSON response, on every route, after the response
 * cache: cached and shared bodies stay viewer-independent, and a page costs a constant number of queries
 * (ViewerStateService). A body the cache interceptor serialised is parsed, decorated, serialised again and given
 * the ETag of what is sent, so a 304 never hides a changed `viewer`. Anonymous callers get no `viewer`.
 */
@Injectable()
export class ViewerStateInterceptor implements NestInterceptor {
  constructor(private readonly states: ViewerStateService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const viewer = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
    if (!viewer) return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(mergeMap((result) => from(this.decorate(result, viewer, res))));
  }

  private async decorate(result: unknown, viewer: AuthUser, res: Response): Promise<unknown> {
    let body: unknown;
    if (typeof result === 'string') {
      // Serialised by the response cache interceptor (a hit, or a miss it stored).
      if (!String(res.getHeader('Content-Type') ?? '').startsWith('application/json')) return result;
      body = JSON.parse(result);
    } else {
      if (!isObject(result) && !Array.isArray(result)) return result;
      if (result instanceof StreamableFile || Buffer.isBuffer(result) || !mentionsAny(collect(result, { files: [], shakes: [] })))
        return result;
      // Never change the handler's objects: an in-process cache may hold them for others.
      body = JSON.parse(JSON.stringify(result));
    }
    const { files, shakes } = collect(body, { files: [], shakes: [] });
    if (!mentionsAny({ files, shakes })) return result;

    const [fileStates, shakeStates] = await Promise.all([
      files.length
        ? this.states.ofFiles(
            viewer,
            files.map((file) => file.key as string),
          )
        : new Map(),
      shakes.length
        ? this.states.ofShakes(
            viewer,
            shakes.map((shake) => shake.name as string),
          )
        : new Map(),
    ]);
    for (const file of files) file.viewer = fileStates.get(file.key as string) ?? { liked: false, saved: false };
    for (const shake of shakes) {
      shake.viewer = shakeStates.get((shake.name as string).toLowerCase()) ?? { following: false, canPost: false };
    }
    if (typeof result !== 'string') return body;
    const sent = JSON.stringify(body);
    if (res.getHeader('ETag') !== undefined) res.setHeader('ETag', etagOf(sent));
    return sent;
  }
}
