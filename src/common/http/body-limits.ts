import { json, type NextFunction, type Request, type RequestHandler, type Response, urlencoded } from 'express';

const UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `100kb` → 102400 (the forms JSON_BODY_LIMIT takes). */
export function bytesOf(limit: string): number {
  const match = /^(\d+)(b|kb|mb)$/.exec(limit);
  if (!match) throw new Error(`not a size: ${limit}`);
  return Number(match[1]) * UNITS[match[2]];
}

/** What the error filter answers 413 to (the shape of body-parser's own error). */
const tooLarge = () => Object.assign(new Error('request entity too large'), { status: 413, expose: true, type: 'entity.too.large' });

/**
 * A body parser (express's json or urlencoded) that answers 413 the moment a body passes its limit. body-parser
 * itself refuses such a body only once it has read the rest of it ("dump", to keep the connection usable), so a
 * body that never ends (a declared gigabyte, endless chunks) was never answered and was read for as long as the
 * client kept sending. Here the error goes to the filter at once, on a declared length over the limit or on the
 * first byte past it, and the filter closes the connection of a request that was not read to its end.
 */
export function boundedBodyParser(kind: 'json' | 'urlencoded', limit: string): RequestHandler {
  const max = bytesOf(limit);
  const parser = kind === 'json' ? json({ limit }) : urlencoded({ extended: false, limit });
  return (req: Request, res: Response, next: NextFunction) => {
    let done = false;
    let seen = 0;
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > max) finish(tooLarge());
    };
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      req.off('data', count);
      next(error);
    };
    parser(req, res, finish);
    // A parser that skipped the request (another type, no body) has called back already; one that reads has not.
    if (done) return;
    if (Number(req.headers['content-length']) > max) return finish(tooLarge());
    req.on('data', count);
  };
}
