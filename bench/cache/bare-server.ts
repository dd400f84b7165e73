/** A bare node:http server sending BENCH_CONSTANT_BODY_FILE's bytes with JSON headers: the runtime's ceiling. */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const body = readFileSync(process.env.BENCH_CONSTANT_BODY_FILE ?? '');
const server = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`READY http://127.0.0.1:${address.port}\n`);
});
process.stdin.resume();
process.stdin.once('end', () => server.close(() => process.exit(0)));
