import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Model, Types } from 'mongoose';
import request from 'supertest';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../../src/files/schemas/source-file.schema';
import type { ShakeEntry } from '../../src/shakes/schemas/shake-entry.schema';
import { ShakesService } from '../../src/shakes/shakes.service';
import { UsersService } from '../../src/users/users.service';
import { png, randomColor } from './images';
import type { TestUser } from './test-app';

export interface Uploaded {
  key: string;
  [field: string]: unknown;
}

/** Uploads a fresh image (a new colour, so a new source) through the API; fields as in the multipart form. */
export async function uploadAs(app: NestExpressApplication, user: TestUser, fields: Record<string, string> = {}): Promise<Uploaded> {
  const req = request(app.getHttpServer()).post('/api/v1/files').set('Authorization', user.auth);
  for (const [name, value] of Object.entries(fields)) req.field(name, value);
  const res = await req.attach('file', await png(8, 8, randomColor()), { filename: 'a.png', contentType: 'image/png' });
  if (res.status !== 201) throw new Error(`upload failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Uploaded;
}

/** Every key of a paginated file stream, walking `next` until the end. */
export async function walkKeys(
  app: NestExpressApplication,
  path: string,
  options: { auth?: string; limit?: number; between?: () => Promise<void> } = {},
): Promise<string[]> {
  const keys: string[] = [];
  let before: string | undefined;
  for (let page = 0; page < 1000; page++) {
    const req = request(app.getHttpServer())
      .get(path)
      .query({ limit: options.limit ?? 10, ...(before ? { before } : {}) });
    if (options.auth) req.set('Authorization', options.auth);
    const res = await req;
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
    keys.push(...(res.body.items as { key: string }[]).map((item) => item.key));
    before = res.body.next ?? undefined;
    if (!before) return keys;
    await options.between?.();
  }
  throw new Error(`${path} did not end`);
}

/**
 * Seeds posts straight into the database, as createPost would make them (a post and its shake entry, in _id
 * order), for tests that need hundreds of files; they share one source copied from an uploaded post.
 */
export async function seedPosts(
  app: NestExpressApplication,
  owner: TestUser,
  shakeName: string,
  count: number,
  like: Uploaded,
): Promise<string[]> {
  const files = app.get<Model<SharedFile>>(getModelToken('SharedFile'));
  const sources = app.get<Model<SourceFile>>(getModelToken('SourceFile'));
  const entries = app.get<Model<ShakeEntry>>(getModelToken('ShakeEntry'));
  const user = await app.get(UsersService).getByUsername(owner.username);
  const shake = await app.get(ShakesService).getByName(shakeName);
  const template = await files.findOne({ key: like.key }).lean().orFail();
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const _id = new Types.ObjectId();
    const key = `s${_id.toHexString().slice(-9)}`.slice(0, 10);
    keys.push(key);
    await files.create({ _id, key, sourceId: template.sourceId, userId: user._id, shakeId: shake._id, title: `seed ${i}` });
    await entries.create({ shakeId: shake._id, sharedFileId: _id, sourceId: template.sourceId, userId: user._id });
  }
  await sources.updateOne({ _id: template.sourceId }, { $inc: { refCount: count } });
  return keys;
}
