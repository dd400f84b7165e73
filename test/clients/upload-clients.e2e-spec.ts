import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { png, randomColor } from '../harness/images';
import { freePort } from '../harness/servers';
import { TestContext, type TestUser } from '../harness/test-app';

const run = promisify(execFile);

interface ShareXConfig {
  RequestMethod: string;
  RequestURL: string;
  Headers: Record<string, string>;
  Body: string;
  FileFormName: string;
  URL: string;
  ThumbnailURL: string;
  ErrorMessage: string;
}

/** ShareX's `{json:a.b[0]}` (13+) and `$json:a.b$` (older) syntax, evaluated against a JSON answer. */
function evaluateShareX(template: string, answer: unknown): string {
  const read = (path: string): string => {
    let value: unknown = answer;
    for (const part of path.split(/\.|\[(\d+)\]/).filter((piece) => piece)) {
      value = value === null || typeof value !== 'object' ? undefined : (value as Record<string, unknown>)[part];
    }
    if (value === undefined) throw new Error(`${path} is not in the answer ${JSON.stringify(answer)}`);
    return String(value);
  };
  return template
    .replace(/\{json:([^}]+)\}/g, (_, path: string) => read(path))
    .replace(/\$json:([^$]+)\$/g, (_, path: string) => read(path));
}

/** Uploads `bytes` exactly as ShareX would with this custom uploader; answers the status, the JSON and the evaluated URLs. */
async function uploadLikeShareX(config: ShareXConfig, bytes: Buffer, fileName: string) {
  expect(config.Body).toBe('MultipartFormData');
  const form = new FormData();
  form.append(config.FileFormName, new Blob([bytes], { type: 'image/png' }), fileName);
  const res = await fetch(config.RequestURL, { method: config.RequestMethod, headers: config.Headers, body: form });
  const answer = (await res.json()) as unknown;
  return {
    status: res.status,
    answer,
    url: () => evaluateShareX(config.URL, answer),
    thumbnailUrl: () => evaluateShareX(config.ThumbnailURL, answer),
    error: () => evaluateShareX(config.ErrorMessage, answer),
  };
}

describe('Upload clients (ShareX, screenshot script)', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let origin: string;
  let alice: TestUser;
  let work: string;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await ctx.startApp({ PUBLIC_URL: origin, SITE_NAME: 'Malted Test' });
    await app.listen(port, '127.0.0.1');
    alice = await ctx.newUser(app);
    work = mkdtempSync(join(tmpdir(), 'malted-clients-'));
  });
  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    await ctx.close();
  });

  const tokensOf = async (user: TestUser) =>
    (await ctx.http(app).get('/api/v1/me/tokens').set('Authorization', user.auth).expect(200)).body as {
      id: string;
      name: string;
      scopes: string[];
    }[];

  it('hands out a ShareX uploader that uploads the way ShareX does and yields a working link', async () => {
    const res = await ctx.http(app).get('/api/v1/me/clients/sharex').set('Authorization', alice.auth).expect(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="127.0.0.1-' + origin.split(':')[2] + '.sxcu"');
    expect(res.headers['cache-control']).toBe('no-store');
    const config = res.body as ShareXConfig;
    expect(config).toMatchObject({ RequestMethod: 'POST', RequestURL: `${origin}/api/v1/files`, FileFormName: 'file' });

    // Its token is a new upload-only one, named after the client.
    const shareXTokens = (await tokensOf(alice)).filter((token) => token.name === 'ShareX');
    expect(shareXTokens).toEqual([expect.objectContaining({ scopes: ['files:write'] })]);

    const bytes = await png(12, 9, randomColor());
    const upload = await uploadLikeShareX(config, bytes, 'Screenshot 2026-12-01.png');
    expect(upload.status).toBe(201);
    const link = upload.url();
    expect(link).toMatch(new RegExp(`^${origin}/r/[A-Za-z0-9]{10}$`));
    const fetched = await fetch(link);
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    expect(upload.thumbnailUrl()).toBe(link.replace('/r/', '/t/'));

    // ShareX shows the error message of a refused upload.
    const refused = await uploadLikeShareX(config, Buffer.from('not an image'), 'notes.png');
    expect(refused.status).toBe(415);
    expect(refused.error()).toMatch(/JPEG, PNG/);

    // The config's token can upload and nothing else.
    const key = link.split('/').pop()!;
    await ctx.http(app).delete(`/api/v1/files/${key}`).set('Authorization', config.Headers.Authorization).expect(403);
    await ctx.http(app).get('/api/v1/me').set('Authorization', config.Headers.Authorization).expect(403);
    await ctx.http(app).get('/api/v1/me/clients/sharex').set('Authorization', config.Headers.Authorization).expect(403);
  });

  it('hands out a bash script that uploads with curl, run for real', async () => {
    const res = await ctx.http(app).get('/api/v1/me/clients/flameshot').set('Authorization', alice.auth).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/x-shellscript/);
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="127\.0\.0\.1-\d+-upload\.sh"$/);
    const script = join(work, 'upload.sh');
    writeFileSync(script, res.text, { mode: 0o700 });
    expect((await tokensOf(alice)).filter((token) => token.name === 'Flameshot')).toEqual([
      expect.objectContaining({ scopes: ['files:write'] }),
    ]);

    // A file whose name curl -F would misread, given as an argument, then through MALTED_UPLOAD_FILE.
    const first = await png(10, 10, randomColor());
    const firstPath = join(work, 'shot, "one";type=text.png');
    writeFileSync(firstPath, first);
    const second = await png(11, 10, randomColor());
    const secondPath = join(work, 'two.png');
    writeFileSync(secondPath, second);
    const env = { PATH: process.env.PATH!, HOME: work };
    const byArgument = await run('bash', [script, firstPath], { env });
    const byVariable = await run('bash', [script], { env: { ...env, MALTED_UPLOAD_FILE: secondPath } });

    for (const [output, bytes] of [
      [byArgument.stdout, first],
      [byVariable.stdout, second],
    ] as const) {
      const link = output.trim();
      expect(link).toMatch(new RegExp(`^${origin}/r/[A-Za-z0-9]{10}$`));
      const fetched = await fetch(link);
      expect(fetched.status).toBe(200);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).toBe(true);
    }

    // Nothing to upload: a clear message and a failing exit status.
    writeFileSync(join(work, 'empty.png'), '');
    await expect(run('bash', [script, join(work, 'empty.png')], { env })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('no image to upload'),
    });
  });

  it('revoking one client token disables that configuration only', async () => {
    const shareX = (await ctx.http(app).get('/api/v1/me/clients/sharex').set('Authorization', alice.auth).expect(200)).body as ShareXConfig;
    const script = join(work, 'second.sh');
    writeFileSync(script, (await ctx.http(app).get('/api/v1/me/clients/flameshot').set('Authorization', alice.auth).expect(200)).text);
    const tokens = await tokensOf(alice);
    // The newest ShareX token is this config's (the listing is newest first).
    const newestShareX = tokens.find((token) => token.name === 'ShareX')!;
    await ctx.http(app).delete(`/api/v1/me/tokens/${newestShareX.id}`).set('Authorization', alice.auth).expect(204);

    const refused = await uploadLikeShareX(shareX, await png(9, 9, randomColor()), 'a.png');
    expect(refused.status).toBe(401);
    const image = join(work, 'three.png');
    writeFileSync(image, await png(9, 8, randomColor()));
    const { stdout } = await run('bash', [script, image], { env: { PATH: process.env.PATH!, HOME: work } });
    expect((await fetch(stdout.trim())).status).toBe(200);
  });
});
