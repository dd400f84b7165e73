import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VariantSet } from '../../src/files/schemas/variant-set.schema';
import { SourceFilesService } from '../../src/files/source-files.service';
import { TestContext } from '../harness/test-app';

/**
 * The services a purge and a variants job use, called in the order of each interleaving against the real
 * database (an API-mode app, so no worker runs jobs behind the test's back).
 */
describe('a purge racing a variants job', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let sources: SourceFilesService;
  let variants: Model<VariantSet>;
  /** Where the "uploads" acquire() stores from are written. */
  let uploads: string;

  beforeAll(async () => {
    app = await ctx.startApp({ MALTED_MODE: 'api' });
    sources = app.get(SourceFilesService);
    variants = app.get(getModelToken('VariantSet'));
    uploads = await mkdtemp(join(tmpdir(), 'malted-purge-race-'));
  });
  afterAll(async () => {
    await ctx.close();
    await rm(uploads, { recursive: true, force: true });
  });

  /** These sources are made straight through the service: no post holds them. */
  const noPosts = () => Promise.resolve(0);
  const newSource = async (sha256 = randomBytes(32).toString('hex')) => {
    const bytes = randomBytes(64);
    const path = join(uploads, `upload-${randomBytes(6).toString('hex')}`);
    await writeFile(path, bytes);
    const { source } = await sources.acquire({
      sha256,
      size: bytes.length,
      inspection: { type: 'image/png', width: 8, height: 8, frames: 1 },
      path,
    });
    return source;
  };
  const made = (name: string) => ({ storageKey: `${name}-v`, contentType: 'image/webp', size: 1, width: 1, height: 1 });

  it('leaves no variants document when the job writes its variants after the purge', async () => {
    const source = await newSource();
    expect(await sources.release(source._id, noPosts)).toEqual([source.storageKey]); // purged: no variants existed yet
    expect(await sources.setVariants(source, { thumbnail: made('t'), small: made('s') })).toBe(false);
    expect(await variants.countDocuments({ sourceId: source._id })).toBe(0);
  });

  it('leaves none when the job marks them failed after the purge', async () => {
    const source = await newSource();
    await sources.release(source._id, noPosts);
    expect(await sources.markVariantsFailed(source)).toBe(false);
    expect(await variants.countDocuments({ sourceId: source._id })).toBe(0);
  });

  it('lets the purge remove variants written before it, and hands their objects to the purge', async () => {
    const source = await newSource();
    expect(await sources.setVariants(source, { thumbnail: made('t'), small: made('s') })).toBe(true);
    expect((await sources.release(source._id, noPosts)).sort()).toEqual([source.storageKey, 's-v', 't-v'].sort());
    expect(await variants.countDocuments({ sourceId: source._id })).toBe(0);
  });

  it('keeps the variants of the same image stored again from a job for the purged bytes that comes first', async () => {
    const hash = randomBytes(32).toString('hex');
    const purged = await newSource(hash);
    await sources.release(purged._id, noPosts);
    const again = await newSource(hash);
    expect(again._id).toEqual(purged._id); // the id comes from the hash
    expect(await sources.setVariants(purged, { thumbnail: made('old-t'), small: made('old-s') })).toBe(false);
    expect(await sources.hasVariantsReady(again)).toBe(false); // its own job renders them, not skipped
    expect(await sources.setVariants(again, { thumbnail: made('t'), small: made('s') })).toBe(true);
    expect(await sources.hasVariantsReady(again)).toBe(true);
  });

  it('leaves the same image stored again without variants when a job for the purged bytes comes last: the job queues them again', async () => {
    const hash = randomBytes(32).toString('hex');
    const purged = await newSource(hash);
    await sources.release(purged._id, noPosts);
    const again = await newSource(hash);
    expect(await sources.setVariants(again, { thumbnail: made('t'), small: made('s') })).toBe(true);
    expect(await sources.setVariants(purged, { thumbnail: made('old-t'), small: made('old-s') })).toBe(false);
    // What FilesProcessor.variants repairs with a variants-again job for the new bytes.
    expect(await variants.countDocuments({ sourceId: again._id })).toBe(0);
    expect(await sources.findById(again._id)).toMatchObject({ storageKey: again.storageKey });
  });
});
