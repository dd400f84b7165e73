import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LocalDiskStorage } from '../../src/files/storage/local-disk.storage';
import { storeFile } from '../../src/files/storage/storage-driver';
import { behavesLikeAStorageDriver, type StorageUnderTest } from './storage-contract';

describe('LocalDiskStorage', () => {
  let parent: string;
  let directory: string;
  let subject: StorageUnderTest;

  beforeAll(async () => {
    parent = mkdtempSync(join(tmpdir(), 'malted-local-storage-'));
    directory = join(parent, 'files', 'nested'); // created by init()
    const driver = await new LocalDiskStorage(directory).init();
    // Everything in the directory counts, temporary files included; so does anything next to it.
    subject = { driver, footprint: async () => readdirSync(directory).length + readdirSync(parent).length };
  });

  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  behavesLikeAStorageDriver(() => subject);

  it('keeps each object as one file named by its key, and nothing else', async () => {
    await subject.driver.write('plain-key.1', Readable.from([Buffer.from('bytes')]), { contentType: 'image/png' });
    expect(readdirSync(directory)).toContain('plain-key.1');
    expect(readdirSync(directory).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(readdirSync(parent)).toEqual(['files']);
  });

  it('stores objects readable by the group only (0640), streamed or copied from a private file', async () => {
    await subject.driver.write('streamed', Readable.from([Buffer.from('bytes')]), { contentType: 'image/png' });
    const upload = join(parent, '..', `malted-upload-${Date.now()}`);
    writeFileSync(upload, 'bytes', { mode: 0o600 });
    try {
      await storeFile(subject.driver, 'copied', upload, { contentType: 'image/png' });
    } finally {
      rmSync(upload);
    }
    expect(statSync(join(directory, 'streamed')).mode & 0o777).toBe(0o640);
    expect(statSync(join(directory, 'copied')).mode & 0o777).toBe(0o640);
  });
});
