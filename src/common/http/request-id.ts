import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * Uses a well-formed X-Request-Id from a proxy in front, or makes one, and echoes it in the response,
 * so a client can quote it and an operator can find every log line of that request. Idempotent.
 */
export function requestIdFor(req: IncomingMessage, res: ServerResponse): string {
  const request = req as IncomingMessage & { id?: string };
  if (request.id) return request.id;
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id = typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  request.id = id;
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Express middleware that runs first, so even body-parser errors carry the request id. */
export function assignRequestId(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  requestIdFor(req, res);
  next();
}
