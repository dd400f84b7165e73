import { connect, createServer } from 'node:net';

/**
 * Connects to host:port and, with a probe, sends it and checks the first reply; false on any error or after
 * the timeout. The socket is always closed.
 */
function answers(host: string, port: number, timeoutMs: number, probe?: { send: string; expect: string }): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => (probe ? socket.write(probe.send) : finish(true)));
    if (probe) socket.once('data', (data) => finish(data.toString().startsWith(probe.expect)));
  });
}

export const tcpAnswers = (host: string, port: number, timeoutMs = 500): Promise<boolean> => answers(host, port, timeoutMs);

/** True when a Redis server answers PING on host:port. */
export const redisAnswers = (host: string, port: number, timeoutMs = 500): Promise<boolean> =>
  answers(host, port, timeoutMs, { send: 'PING\r\n', expect: '+PONG' });

/** A TCP port of 127.0.0.1 that nothing listens on now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Polls `check` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not start within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
