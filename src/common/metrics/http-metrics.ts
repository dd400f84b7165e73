import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Counter, Gauge, Histogram } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Every request that no route matched (404s, static assets) shares this label: raw paths never become labels. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route template a request matched (`/api/v1/files/:key/raw`), never its URL, so share keys and usernames
 * never reach a label and the number of series stays bounded by the number of routes. A catch-all is no route:
 * Nest mounts path-bound middleware (the request logger's `/api/{*path}`) as Express routes, so a request that
 * passed one and then matched nothing still carries it.
 */
export function routeLabelOf(req: Pick<Request, 'route' | 'baseUrl'>): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string' || path.includes('*')) return UNMATCHED_ROUTE;
  return `${req.baseUrl ?? ''}${path}`;
}

/** Request counts, durations and requests in flight, by method, route template and status class. */
@Injectable()
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status_class'>;
  private readonly duration: Histogram<'method' | 'route' | 'status_class'>;
  private readonly inFlight: Gauge;

  constructor(metrics: MetricsRegistry) {
    const registers = [metrics.registry];
    const labelNames = ['method', 'route', 'status_class'] as const;
    this.requests = new Counter({ name: 'malted_http_requests_total', help: 'HTTP requests answered', labelNames, registers });
    this.duration = new Histogram({
      name: 'malted_http_request_duration_seconds',
      help: 'Time from a request arriving to its response finishing',
      labelNames,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.inFlight = new Gauge({ name: 'malted_http_requests_in_flight', help: 'HTTP requests being answered now', registers });
  }

  /** Express middleware: first in the chain, so every request is counted, refused ones included. */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    this.inFlight.inc();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.inFlight.dec();
      const labels = {
        method: METHODS.has(req.method) ? req.method : 'OTHER',
        route: routeLabelOf(req),
        // A client that went away before the response finished has no status it saw.
        status_class: res.writableFinished ? `${Math.floor(res.statusCode / 100)}xx` : 'aborted',
      };
      this.requests.inc(labels);
      this.duration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}
