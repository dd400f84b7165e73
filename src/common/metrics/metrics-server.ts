import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedEnvironment } from '../../config/environment';
import { sameSecret } from '../auth/same-secret';
import { MetricsRegistry } from './metrics-registry';

/**
 * `GET /metrics` on its own port (METRICS_PORT), never on the API's: the Service and the Ingress only route
 * the API port, so the metrics are reachable by Prometheus scraping the pod and by nothing from outside, with
 * no secret to hand out. METRICS_TOKEN, if set, is required as a bearer token too (for clusters where every
 * pod may reach every other). A bare node:http server: no guards, rate limits or request logs on a scrape.
 */
@Injectable()
export class MetricsServer implements OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private readonly token?: string;
  private server?: Server;

  constructor(
    private readonly metrics: MetricsRegistry,
    config: ConfigService<ResolvedEnvironment, true>,
  ) {
    const token = config.get('METRICS_TOKEN', { infer: true });
    this.token = token || undefined;
  }

  /** Starts listening; port 0 picks a free one. Resolves to the port. */
  async listen(port: number, host: string): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return this.reply(res, 404, 'Only GET /metrics is served here\n');
    }
    if (!this.authorised(req.headers.authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return this.reply(res, 401, 'Send Authorization: Bearer <METRICS_TOKEN>\n');
    }
    try {
      const body = await this.metrics.metrics();
      res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (error) {
      this.logger.error({ err: error }, 'could not collect the metrics');
      this.reply(res, 500, 'Could not collect the metrics\n');
    }
  }

  private authorised(header: string | undefined): boolean {
    if (!this.token) return true;
    const match = /^Bearer (\S+)$/.exec(header ?? '');
    return match !== null && sameSecret(match[1], this.token);
  }

  private reply(res: ServerResponse, status: number, text: string): void {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(text);
  }
}
