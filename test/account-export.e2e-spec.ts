import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from 'mongoose';
import type { Readable } from 'node:stream';
import type request from 'supertest';
import yauzl from 'yauzl';
import { AccountExportsService } from '../src/account/account-exports.service';
import type { AccountExport } from '../src/account/schemas/account-export.schema';
import { png, randomColor } from './harness/images';
import { settleQueues } from './harness/jobs';
import { eventually } from './harness/servers';
import { SmtpTestServer } from './harness/smtp-test-server';
import { TestContext, type TestUser } from './harness/test-app';

/** Every entry of a zip, read with yauzl (a zip reader independent of the writer). */
function unzip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (error, file) => {
      if (error) return reject(error);
      const entries = new Map<string, Buffer>();
      file.on('error', reject);
      file.on('end', () => resolve(entries));
      file.on('entry', (entry: yauzl.Entry) => {
        file.openReadStream(entry, (openError, stream: Readable) => {
          if (openError) return reject(openError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks));
            file.readEntry();
          });
        });
      });
      file.readEntry();
    });
  });
}

const binary = (res: request.Response, done: (error: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('account export (POST /me/export)', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let app: NestExpressApplication;

  beforeAll(async () => {
    await smtp.start();
    app = await ctx.startApp({ SMTP_URL: smtp.url, PUBLIC_URL: 'https://malted.test' });
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  const http = () => ctx.http(app);
  const get = (user: TestUser | undefined, path: string) => {
    const req = http().get(path);
    return user ? req.set('Authorization', user.auth) : req;
  };

  it('zips every original byte-exact under its file name with JSON as the API shows it, mails the link, and serves it to its owner alone', async () => {
    const alice = await ctx.newUser(app);
    const bob = await ctx.newUser(app);
    const images = await Promise.all([png(16, 16, randomColor()), png(20, 10, randomColor()), png(12, 12, randomColor())]);
    const names = ['holiday.png', 'cat photo.png', 'x.png'];
    const keys: string[] = [];
    for (const [i, image] of images.entries()) {
      const res = await http()
        .post('/api/v1/files')
        .set('Authorization', alice.auth)
        .field('title', `picture ${i}`)
        .attach('file', image, { filename: names[i], contentType: 'image/png' })
        .expect(201);
      keys.push(res.body.key as string);
    }
    const bobs = await http()
      .post('/api/v1/files')
      .set('Authorization', bob.auth)
      .attach('file', await png(9, 9, randomColor()), { filename: 'bob.png', contentType: 'image/png' })
      .expect(201);
    const saved = await http().post(`/api/v1/files/${bobs.body.key}/save`).set('Authorization', alice.auth).send({}).expect(201);
    await http().put(`/api/v1/files/${bobs.body.key}/like`).set('Authorization', alice.auth).expect(204);
    await http().post(`/api/v1/files/${bobs.body.key}/comments`).set('Authorization', alice.auth).send({ body: 'lovely @bob' }).expect(201);
    await http().put(`/api/v1/shakes/${bob.username}/follow`).set('Authorization', alice.auth).expect(204);
    await settleQueues(app);

    const requested = await http().post('/api/v1/me/export').set('Authorization', alice.auth).expect(202);
    expect(requested.body).toMatchObject({ status: 'pending', download: `/api/v1/me/exports/${requested.body.id}/zip` });
    const days = (Date.parse(requested.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const ready = await eventually(
      async () => (await get(alice, `/api/v1/me/exports/${requested.body.id}`).expect(200)).body,
      (body) => body.status === 'ready',
      20_000,
    );

    const zip = await get(alice, ready.download).buffer(true).parse(binary).expect(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    expect(zip.headers['cache-control']).toBe('private, no-store');
    expect((zip.body as Buffer).length).toBe(ready.size);
    const entries = await unzip(zip.body as Buffer);

    // The originals, byte-exact, under their upload names; the save is bob's file and not among them.
    const originals = [...entries.keys()].filter((name) => name.startsWith('originals/')).sort();
    expect(originals).toEqual(keys.map((key, i) => `originals/${key}-${names[i]}`).sort());
    for (const [i, key] of keys.entries()) expect(entries.get(`originals/${key}-${names[i]}`)!.equals(images[i])).toBe(true);

    const json = (name: string) => JSON.parse(entries.get(name)!.toString('utf8')) as Record<string, unknown>[];
    // The export holds what is posted, liked and said, not the per-request viewer part a signed-in read adds.
    const withoutViewer = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(withoutViewer)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.entries(value)
                .filter(([name]) => name !== 'viewer')
                .map(([name, v]) => [name, withoutViewer(v)]),
            )
          : value;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const api = async (path: string): Promise<any> => withoutViewer((await get(alice, path).expect(200)).body);
    const posts = json('posts.json');
    expect(posts.map((post) => post.key)).toEqual([...keys, saved.body.key]);
    for (const post of posts) expect(post).toEqual(await api(`/api/v1/files/${post.key as string}`));
    expect(json('saves.json')).toEqual([await api(`/api/v1/files/${saved.body.key}`)]);
    expect(json('likes.json')).toEqual([{ likedAt: expect.any(String), file: await api(`/api/v1/files/${bobs.body.key}`) }]);
    const [comment] = (await api(`/api/v1/files/${bobs.body.key}/comments`)).items;
    expect(json('comments.json')).toEqual([{ file: bobs.body.key, ...comment }]);
    expect(json('follows.json')).toEqual((await api('/api/v1/me/following')).items);
    expect(json('shakes.json')).toEqual([await api(`/api/v1/shakes/${alice.username}`)]);
    expect(JSON.parse(entries.get('account.json')!.toString())).toMatchObject({ username: alice.username });

    // The mail links to the zip; nobody else gets the export, nor anything about it.
    const mail = await smtp.waitFor(`${alice.username}@example.com`, 2);
    expect(mail.parsed.subject).toBe('Your Malted export is ready');
    expect(mail.parsed.text).toContain(`https://malted.test${ready.download}`);
    for (const path of [`/api/v1/me/exports/${ready.id}`, ready.download]) {
      const other = await get(bob, path).expect(404);
      expect(other.body.message).toBe('No such export');
      await get(undefined, path).expect(401);
    }

    // Expired: refused at once on read, then swept with its zip.
    const exportsModel = app.get<Model<AccountExport>>(getModelToken('AccountExport'));
    const stored = join(ctx.filesDir, `export-${ready.id}`);
    expect(existsSync(stored)).toBe(true);
    await exportsModel.updateOne({ _id: ready.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    await get(alice, ready.download).expect(404);
    await get(alice, `/api/v1/me/exports/${ready.id}`).expect(404);
    expect(await app.get(AccountExportsService).sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(existsSync(stored)).toBe(false);
    expect(await exportsModel.countDocuments({ _id: ready.id })).toBe(0);
  });

  it('answers 404 for an export id that is not one', async () => {
    const user = await ctx.newUser(app);
    await get(user, '/api/v1/me/exports/nope').expect(404);
    await get(user, '/api/v1/me/exports/0123456789abcdef01234567/zip').expect(404);
  });
});
