import { Types } from 'mongoose';
import { FileDto } from '../../files/dto/file.dto';
import type { SharedFile } from '../../files/schemas/shared-file.schema';
import type { SourceFile } from '../../files/schemas/source-file.schema';
import { ShakeDto, ShakeSummaryDto } from '../../shakes/dto/shake.dto';
import { type Shake, ShakeType } from '../../shakes/schemas/shake.schema';
import type { FileHit, ShakeHit, UserHit } from '../../search/search-document';
import { isFileJson, isShakeJson } from './viewer-state.interceptor';

/** The interceptor finds posts and shakes by their shape: every DTO that shows one must keep matching it. */
describe('what gets a viewer part', () => {
  const ownerId = new Types.ObjectId();
  const usernames = new Map([[ownerId.toHexString(), 'alice']]);
  const shake = {
    name: 'cats',
    type: ShakeType.Group,
    title: 'Cats',
    description: '',
    ownerId,
    managerIds: [],
    followerCount: 0,
    fileCount: 0,
    createdAt: new Date(),
  } as unknown as Shake;
  const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;

  it('finds posts as FileDto and search hits show them', () => {
    const post = {
      key: 'Ab3dE5gH7j',
      title: '',
      description: '',
      altText: '',
      counts: { likes: 0, saves: 0, views: 0, comments: 0 },
      createdAt: new Date(),
    } as unknown as SharedFile;
    const source = { contentType: 'image/png', size: 1, width: 1, height: 1, frames: 1, nsfw: false } as SourceFile;
    const file = json(FileDto.from(post, source, { username: 'alice' }, { name: 'alice' }));
    const hit: FileHit = { ...(file as unknown as FileHit), tags: [], likes: 0 };
    expect([isFileJson(file), isFileJson(json(hit)), isShakeJson(file)]).toEqual([true, true, false]);
  });

  it('finds shakes as ShakeDto, ShakeSummaryDto and search hits show them, and nothing else', () => {
    const hit: ShakeHit = {
      name: 'cats',
      title: 'Cats',
      description: '',
      type: 'group',
      owner: { username: 'alice' },
      followers: 0,
      createdAt: '',
    };
    const user: UserHit = { username: 'alice', shake: 'alice', createdAt: '' };
    expect([ShakeDto.from(shake, usernames), ShakeSummaryDto.from(shake, usernames), hit].map((value) => isShakeJson(json(value)))).toEqual(
      [true, true, true],
    );
    expect([isShakeJson(json(user)), isFileJson(json(user)), isFileJson(json(hit))]).toEqual([false, false, false]);
  });
});
