/**
 * The floor for serving a file: a bare node:http server that answers every request with the bytes in
 * BENCH_BARE_BODY (a file, read into memory once) and the headers in BENCH_BARE_HEADERS (JSON), with nothing
 * in between. Prints "READY <origin>"; exits when its stdin closes.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const body = readFileSync(process.env.BENCH_BARE_BODY!);
const headers = JSON.parse(process.env.BENCH_BARE_HEADERS!) as Record<string, string>;

const server = createServer((req, res) => {
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.stdin.resume();
process.stdin.once('end', () => server.close(() => process.exit(0)));
