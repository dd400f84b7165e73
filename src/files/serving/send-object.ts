import type { Request, Response } from 'express';
import rangeParser from 'range-parser';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainError } from '../../common/errors/domain-errors';
import type { ByteRange } from '../storage/storage-driver';

/** Something with immutable bytes that can be served: an original or a variant. */
export interface ServableObject {
  /** Strong, quoted ETag derived from the content hash. */
  etag: string;
  size: number;
  contentType: string;
  /** A safe file name (derived from the share key, never from user input). */
  filename: string;
  open(range?: ByteRange): Promise<Readable>;
  /** The whole object from memory, when it is small enough to be held there (asked only when a body is sent). */
  inMemory?(): Promise<Buffer | undefined>;
}

/** Sent with every raw file and thumbnail, whoever sends the bytes (the app or nginx). */
export const RAW_CACHE_CONTROL = 'public, max-age=31536000, immutable';
export const RAW_CONTENT_SECURITY_POLICY = "default-src 'none'; img-src 'self'; sandbox";

export class RangeNotSatisfiableError extends DomainError {
  readonly status = 416;
}

/** RFC 9110 §13.1.2: weak comparison; "*" matches any current representation. */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === bare;
  });
}

/** RFC 9110 §14.1.1: a range-spec whose last position is before its first makes the header invalid. */
function hasBackwardsRange(header: string): boolean {
  return header
    .replace(/^bytes=/, '')
    .split(',')
    .some((spec) => {
      const match = /^\s*(\d+)-(\d+)\s*$/.exec(spec);
      return match !== null && Number(match[2]) < Number(match[1]);
    });
}

/**
 * Decides the status and the byte range: 304 for a matching If-None-Match; 206 for one satisfiable range
 * (honoured only when If-Range, if sent, still matches); 416 for an unsatisfiable one; otherwise 200.
 * Several ranges are answered with the whole file, which RFC 9110 §14.2 permits, and a malformed Range
 * header is ignored as it requires.
 */
export function planResponse(
  req: Pick<Request, 'headers'>,
  object: Pick<ServableObject, 'etag' | 'size'>,
): { status: 200 | 206 | 304; range?: ByteRange } {
  if (etagMatches(req.headers['if-none-match'], object.etag)) return { status: 304 };
  const header = req.headers.range;
  const ifRange = req.headers['if-range'];
  if (!header || hasBackwardsRange(header) || (ifRange !== undefined && ifRange !== object.etag)) return { status: 200 };
  const ranges = rangeParser(object.size, header, { combine: true });
  if (ranges === -1) throw new RangeNotSatisfiableError(`Range not satisfiable: the file has ${object.size} bytes`);
  if (ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return { status: 200 };
  return { status: 206, range: { start: ranges[0].start, end: ranges[0].end } };
}

/**
 * Sends immutable bytes with caching, conditional and range support; HEAD gets the headers only. `sent` learns
 * the length of each body sent in full (metrics).
 */
export async function sendObject(req: Request, res: Response, object: ServableObject, sent?: (bytes: number) => void): Promise<void> {
  res.setHeader('ETag', object.etag);
  res.setHeader('Accept-Ranges', 'bytes');
  let plan: ReturnType<typeof planResponse>;
  try {
    plan = planResponse(req, object);
  } catch (error) {
    if (error instanceof RangeNotSatisfiableError) res.setHeader('Content-Range', `bytes */${object.size}`);
    throw error;
  }
  res.setHeader('Cache-Control', RAW_CACHE_CONTROL);
  if (plan.status === 304) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', object.contentType);
  // Never "attachment" tricks or user-chosen names; the sandbox CSP neuters anything a browser might render.
  res.setHeader('Content-Disposition', `inline; filename="${object.filename}"`);
  res.setHeader('Content-Security-Policy', RAW_CONTENT_SECURITY_POLICY);
  const { range } = plan;
  if (range) {
    res.status(206);
    res.setHeader('Content-Range', `bytes ${range.start}-${range.end}/${object.size}`);
    res.setHeader('Content-Length', String(range.end - range.start + 1));
  } else {
    res.status(200);
    res.setHeader('Content-Length', String(object.size));
  }
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const bytes = await object.inMemory?.();
  if (bytes) {
    res.end(range ? bytes.subarray(range.start, range.end + 1) : bytes);
    sent?.(range ? range.end - range.start + 1 : object.size);
    return;
  }
  const body = await object.open(range);
  try {
    await pipeline(body, res);
    sent?.(range ? range.end - range.start + 1 : object.size);
  } catch {
    res.destroy(); // the client went away or storage failed mid-stream: nothing more can be said
  }
}
