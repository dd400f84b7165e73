import type { Request } from 'express';
import { routeLabelOf, UNMATCHED_ROUTE } from './http-metrics';

const req = (route: unknown, baseUrl = '') => ({ route, baseUrl }) as Pick<Request, 'route' | 'baseUrl'>;

describe('routeLabelOf', () => {
  it('is the route template, with the mount point of a sub-router', () => {
    expect(routeLabelOf(req({ path: '/api/v1/files/:key/raw' }))).toBe('/api/v1/files/:key/raw');
    expect(routeLabelOf(req({ path: '/api/queues/:queueName/:jobId/retry' }, '/admin/queues'))).toBe(
      '/admin/queues/api/queues/:queueName/:jobId/retry',
    );
  });

  it('puts requests no route matched, or only a catch-all, under one label', () => {
    expect(routeLabelOf(req(undefined))).toBe(UNMATCHED_ROUTE);
    expect(routeLabelOf(req({ path: '/api/{*path}' }))).toBe(UNMATCHED_ROUTE);
    expect(routeLabelOf(req({ path: /^\/x/ }))).toBe(UNMATCHED_ROUTE);
  });
});
