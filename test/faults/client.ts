import { randomBytes } from 'node:crypto';
import { png, randomColor } from '../harness/images';

/** One answered (or not) request, as the scenarios judge it. */
export interface Answer {
  label: string;
  status: number; // 0: no answer (timed out or the connection failed)
  ms: number;
  body: unknown;
  bytes: Buffer;
  failure?: string;
  startedAt: number;
}

export interface CallOptions {
  auth?: string;
  json?: unknown;
  form?: FormData;
  /** Give up after this long (the answer then has status 0). */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** An HTTP client over fetch that never waits longer than it is told and keeps every answer for the figures. */
export class Client {
  readonly answers: Answer[] = [];

  constructor(public baseUrl: string) {}

  async call(label: string, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth) headers.authorization = options.auth;
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }
    const startedAt = Date.now();
    const answer: Answer = { label, status: 0, ms: 0, body: undefined, bytes: Buffer.alloc(0), startedAt };
    try {
      const res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      answer.status = res.status;
      answer.bytes = Buffer.from(await res.arrayBuffer());
      if ((res.headers.get('content-type') ?? '').includes('json') && answer.bytes.length > 0) {
        try {
          answer.body = JSON.parse(answer.bytes.toString('utf8'));
        } catch {
          answer.failure = 'unparsable JSON';
        }
      }
    } catch (error) {
      answer.failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    answer.ms = Date.now() - startedAt;
    this.answers.push(answer);
    return answer;
  }

  async register(): Promise<TestAccount> {
    const username = `u${randomBytes(5).toString('hex')}`;
    const res = await this.call('register', 'POST', '/api/v1/auth/register', {
      json: { username, email: `${username}@example.com`, password: `pw-${randomBytes(8).toString('hex')}` },
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${JSON.stringify(res.body)}`);
    return { username, auth: `Bearer ${(res.body as { token: string }).token}` };
  }

  async upload(account: TestAccount, image?: Buffer, timeoutMs?: number): Promise<{ answer: Answer; image: Buffer }> {
    const bytes = image ?? (await freshImage());
    const form = new FormData();
    form.append('file', new Blob([bytes], { type: 'image/png' }), 'fault.png');
    return { answer: await this.call('upload', 'POST', '/api/v1/files', { auth: account.auth, form, timeoutMs }), image: bytes };
  }
}

export interface TestAccount {
  username: string;
  auth: string;
}

/** A small PNG no other upload has (a new colour and size), so each upload is a new source. */
export async function freshImage(): Promise<Buffer> {
  return png(16 + Math.floor(Math.random() * 16), 16 + Math.floor(Math.random() * 16), randomColor());
}

/** The JSON error shape of every refusal: { statusCode, error, message, requestId }. */
export function isErrorShape(answer: Answer): boolean {
  const body = answer.body as Record<string, unknown> | undefined;
  return (
    typeof body === 'object' &&
    body !== null &&
    body.statusCode === answer.status &&
    typeof body.error === 'string' &&
    (typeof body.message === 'string' || Array.isArray(body.message))
  );
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
