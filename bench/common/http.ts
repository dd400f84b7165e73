import { randomBytes } from 'node:crypto';
import { type Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request over `agent`; a network error answers status 0 with no body (it never rejects). */
export function send(
  agent: Agent,
  url: string,
  method: string,
  headers: Record<string, string | number>,
  body?: Buffer,
): Promise<HttpAnswer> {
  return new Promise((resolve) => {
    const req = request(url, { agent, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.once('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
    req.end(body);
  });
}

/** The request headers and body of an upload of one file. */
export function multipart(image: Buffer, filename: string, auth: string): { headers: Record<string, string | number>; body: Buffer } {
  const boundary = `malted-bench-${randomBytes(8).toString('hex')}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), image, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return {
    headers: { authorization: auth, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
    body,
  };
}

/** POST /api/v1/files of one file as the user of `auth`. */
export function upload(agent: Agent, origin: string, auth: string, image: Buffer, filename: string): Promise<HttpAnswer> {
  const { headers, body } = multipart(image, filename, auth);
  return send(agent, `${origin}/api/v1/files`, 'POST', headers, body);
}

/** Registers `username` through POST /api/v1/auth/register; throws unless it answers 201. */
export async function registerBenchUser(origin: string, username: string): Promise<{ id: string; auth: string }> {
  const account = { username, email: `${username}@bench.example`, password: 'a long bench password 1' };
  const res = await fetch(`${origin}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  const body = (await res.json()) as { token: string; user: { id: string } };
  if (res.status !== 201) throw new Error(`registering ${username} failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body.user.id, auth: `Bearer ${body.token}` };
}
