import type { NestExpressApplication } from '@nestjs/platform-express';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * One request sent exactly as given, path, headers and body bytes alike (supertest would encode the path and
 * serialise a Buffer as JSON), to an app that listens on a port. Fails after `timeoutMs`.
 */
export function rawRequest(
  app: NestExpressApplication,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer | string,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Node sends a GET's or DELETE's body with neither a length nor chunking unless told its length.
  if (body !== undefined) headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path.slice(0, 80)} took over ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
