import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

/** A server's loopback address, listening on a free port first if it does not listen yet. */
export async function listeningPort(server: Server): Promise<number> {
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export interface AbortedUpload {
  /** Bytes of the body handed to the socket before it was destroyed (of `announced`). */
  sent: number;
  announced: number;
  /** Set if the server answered before the client gave up (it should not). */
  status?: number;
}

/**
 * A raw client that starts POST /api/v1/files of `file` (with a title), announcing the whole multipart body in
 * Content-Length, writes the request headers and the first `sendBytes(announced)` bytes of the body, waits for
 * `beforeAbort` (e.g. until the server has some of it on disk), then destroys the socket without a word, as a
 * client that crashes or loses its network does.
 */
export function abortUploadMidway(
  port: number,
  auth: string,
  file: Buffer,
  options: { sendBytes: (announced: number) => number; beforeAbort: () => Promise<unknown> },
): Promise<AbortedUpload> {
  const boundary = `malted-abort-${Date.now()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\ncut short\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="large.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const whole = Buffer.concat([head, file, tail]);
  const announced = whole.length;
  const body = whole.subarray(0, options.sendBytes(announced));

  return new Promise((resolve, reject) => {
    const result: AbortedUpload = { sent: 0, announced };
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/files',
      headers: { authorization: auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': announced },
    });
    req.on('response', (res) => {
      result.status = res.statusCode;
      res.resume();
    });
    req.on('error', () => undefined); // the socket is destroyed on purpose
    req.flushHeaders();
    (async () => {
      const piece = 64 * 1024;
      for (let offset = 0; offset < body.length; offset += piece) {
        const chunk = body.subarray(offset, offset + piece);
        result.sent += chunk.length;
        if (!req.write(chunk)) await new Promise((drained) => req.once('drain', drained));
      }
      await options.beforeAbort();
      req.destroy();
      resolve(result);
    })().catch((error: unknown) => {
      req.destroy();
      reject(error);
    });
  });
}
