import { getQueueToken } from '@nestjs/bull';
import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import Bull, { type Queue } from 'bull';
import { type Model, Types } from 'mongoose';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceUnavailableError } from '../../src/common/errors/domain-errors';
import { MAX_VARIANTS_SWEEPS, FilesSweeper } from '../../src/files/files.sweeper';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../../src/files/schemas/source-file.schema';
import { SourceReferencesSweeper } from '../../src/files/source-references.sweeper';
import { VariantsStatus, type VariantSet } from '../../src/files/schemas/variant-set.schema';
import { SourceFilesService } from '../../src/files/source-files.service';
import { JobProducer } from '../../src/jobs/job-producer';
import { QUEUES } from '../../src/jobs/queues';
import type { OutboxEntry } from '../../src/jobs/outbox.schema';
import { png, randomColor } from '../harness/images';
import { DisposableRedis, eventually, freePort } from '../harness/servers';
import { TestContext } from '../harness/test-app';

const TIMEOUT_MS = 300;

/**
 * The middle tier of the seam: JobProducer, the outbox and the files sweeper against the real database and a private
 * redis-server that the test freezes and stops, without HTTP. The worker's own recovery timer is slowed to an hour
 * and its files queue paused here, so that the test alone decides when jobs are drained, swept or run.
 */
describe('JobProducer, the outbox and the files sweeper', () => {
  const ctx = new TestContext(__filename);
  let redis: DisposableRedis;
  let app: NestExpressApplication;
  let producer: JobProducer;
  let outbox: Model<OutboxEntry>;
  let social: Queue;
  let files: Queue;

  beforeAll(async () => {
    redis = new DisposableRedis(await freePort());
    await redis.start();
    app = await ctx.startApp({
      MALTED_MODE: 'worker',
      REDIS_URL: redis.url,
      JOB_ENQUEUE_TIMEOUT_MS: String(TIMEOUT_MS),
      JOB_RECOVERY_INTERVAL_MS: '3600000',
    });
    producer = app.get(JobProducer);
    outbox = app.get(getModelToken('OutboxEntry'));
    social = app.get(getQueueToken('social'));
    files = app.get(getQueueToken('files'));
    await social.pause(true);
    await files.pause(true);
  });
  afterAll(async () => {
    redis.resume();
    await redis.start();
    await ctx.close();
    await redis.stop();
  });
  /** Redis back and ready, and the producer past its back-off after a failure (10 x its timeout). */
  const recovered = async () => {
    redis.resume();
    await redis.start();
    await eventually(
      async () => social.client.status,
      (status) => status === 'ready',
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 10 * TIMEOUT_MS + 100));
  };

  const likeJob = () => ({ likeId: new Types.ObjectId().toHexString(), sharedFileId: new Types.ObjectId().toHexString() });

  it('queues at once while Redis answers, and writes nothing to the outbox', async () => {
    const data = likeJob();
    expect(await producer.send('social/liked', data)).toBe('queued');
    const job = await social.getJob(`liked:${data.likeId}`);
    expect(job?.data).toEqual(data);
    expect(await outbox.countDocuments({ 'payload.likeId': data.likeId })).toBe(0);
  });

  it('gives up on a frozen Redis after the timeout, keeps the job in the outbox, and makes one job of the late add and the drained copy', async () => {
    const data = likeJob();
    redis.pause();
    const started = Date.now();
    expect(await producer.send('social/liked', data)).toBe('deferred');
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(TIMEOUT_MS - 10);
    expect(waited).toBeLessThan(TIMEOUT_MS + 500);
    // The next one does not wait again: Redis just failed.
    const next = likeJob();
    const again = Date.now();
    expect(await producer.send('social/liked', next)).toBe('deferred');
    expect(Date.now() - again).toBeLessThan(100);
    expect(await outbox.find({ 'payload.likeId': { $in: [data.likeId, next.likeId] } }).lean()).toHaveLength(2);

    redis.resume();
    // The add that timed out was still on its way: it lands now, and the drained copy finds its id taken.
    await eventually(() => social.getJob(`liked:${data.likeId}`), Boolean, 5000);
    expect(await producer.drainOutbox()).toBeGreaterThanOrEqual(2);
    expect(await outbox.countDocuments()).toBe(0);
    const waiting = await social.getWaiting();
    expect(waiting.filter((job) => job.data.likeId === data.likeId)).toHaveLength(1);
    expect(waiting.filter((job) => job.data.likeId === next.likeId)).toHaveLength(1);
    await recovered();
  });

  it('waits no longer than the timeout while Redis is down; the drain leaves the outbox alone until Redis is back', async () => {
    await redis.stop();
    await eventually(
      async () => social.client.status,
      (status) => status !== 'ready',
      5000,
    );
    const data = likeJob();
    const started = Date.now();
    expect(await producer.send('social/liked', data)).toBe('deferred');
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 200); // at once while reconnecting; the timeout while connecting
    await expect(producer.sendNow('social/recount', {})).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(producer.drainOutbox()).rejects.toThrow();
    expect(await outbox.countDocuments({ 'payload.likeId': data.likeId })).toBe(1);

    await redis.start(); // empty
    await eventually(
      async () => social.client.status,
      (status) => status === 'ready',
      10_000,
    );
    await social.pause(true); // the local pause does not survive the reconnection
    expect(await producer.drainOutbox()).toBe(1);
    expect((await social.getJob(`liked:${data.likeId}`))?.data).toEqual(data);
    await recovered();
  });

  it('drops an outbox entry for a job that does not exist instead of retrying it for ever', async () => {
    await outbox.create({ name: 'social/gone', payload: {}, reason: 'written by an older version' });
    expect(await producer.drainOutbox()).toBe(0);
    expect(await outbox.countDocuments()).toBe(0);
  });

  describe('the files sweeper', () => {
    let sweeper: FilesSweeper;
    let variants: Model<VariantSet>;
    let posts: Model<SharedFile>;
    const soon = () => new Date(Date.now() + 2000); // everything made so far counts as older than the grace

    beforeAll(() => {
      sweeper = app.get(FilesSweeper);
      variants = app.get(getModelToken('VariantSet'));
      posts = app.get(getModelToken('SharedFile'));
    });

    const newSource = async () => {
      const bytes = await png(10, 10, randomColor());
      const path = join(mkdtempSync(join(tmpdir(), 'malted-seam-')), 'upload.png');
      writeFileSync(path, bytes);
      const { source } = await app.get(SourceFilesService).acquire({
        sha256: createHash('sha256').update(bytes).digest('hex'),
        size: bytes.length,
        inspection: { type: 'image/png', width: 10, height: 10, frames: 1 },
        path,
      });
      return source;
    };
    const variantsPayload = (source: { _id: Types.ObjectId; storageKey: string }) => ({
      sourceId: source._id.toHexString(),
      storageKey: source.storageKey,
    });

    it('owes variants from before the source exists, and queues their job again when Redis lost it', async () => {
      const source = await newSource();
      expect(await variants.findOne({ sourceId: source._id }).lean()).toMatchObject({
        status: VariantsStatus.Pending,
        sourceStorageKey: source.storageKey,
      });
      expect(await app.get(SourceFilesService).findVariants(source._id)).toBeNull(); // the thumbnail is still "being made"
      expect(await files.getJob(`variants:${source.storageKey}`)).toBeNull(); // its job never reached Redis

      expect(await sweeper.sweep(soon())).toBeGreaterThanOrEqual(1);
      expect((await files.getJob(`variants:${source.storageKey}`))?.data).toEqual(variantsPayload(source));
      await sweeper.sweep(soon()); // still waiting: left alone
      expect((await files.getWaiting()).filter((job) => job.data.sourceId === source._id.toHexString())).toHaveLength(1);
    });

    it('queues a variants job that failed for good again, a few times, then gives the thumbnail up', async () => {
      // A second consumer of the files queue, to fail its jobs by hand as a worker would after their last attempt.
      const consumer = new Bull(QUEUES.files.name, redis.url, { prefix: `${ctx.prefix}:bull` });
      try {
        await variants.updateMany({ status: VariantsStatus.Pending }, { $set: { status: VariantsStatus.Ready } }); // earlier tests' sources
        await files.empty();
        const source = await newSource();
        const jobId = `variants:${source.storageKey}`;
        await sweeper.sweep(soon());
        for (let sweeps = 1; sweeps <= MAX_VARIANTS_SWEEPS + 1; sweeps++) {
          const job = (await consumer.getNextJob())!;
          expect(job.id).toBe(jobId);
          job.discard();
          await job.moveToFailed({ message: 'the store was away' });
          await sweeper.sweep(soon());
          if (sweeps <= MAX_VARIANTS_SWEEPS) expect((await files.getJob(jobId))?.data).toEqual({ ...variantsPayload(source), sweeps });
        }
        expect(await files.getJob(jobId).then((job) => job?.getState())).toBe('failed');
        expect(await variants.findOne({ sourceId: source._id }).lean()).toMatchObject({ status: VariantsStatus.Failed });
        expect(await app.get(SourceFilesService).findVariants(source._id)).toMatchObject({ status: VariantsStatus.Failed }); // 404, not 202
      } finally {
        await consumer.close();
      }
    });

    it('drops a variants marker whose source was never stored', async () => {
      const sourceId = new Types.ObjectId(Types.ObjectId.createFromTime(Math.floor(Date.now() / 1000) - 60).toHexString());
      await variants.create({ sourceId, status: VariantsStatus.Pending, sourceStorageKey: 'src-never-stored' });
      await sweeper.sweep(soon());
      expect(await variants.findOne({ sourceId }).lean()).toBeNull();
      expect(await files.getJob('variants:src-never-stored')).toBeNull();
    });

    it('queues the release of a deleted post whose release job was lost, once', async () => {
      const source = await newSource();
      const post = await posts.create({
        key: new Types.ObjectId().toHexString().slice(-10),
        sourceId: source._id,
        userId: new Types.ObjectId(),
        shakeId: new Types.ObjectId(),
        deletedAt: new Date(Date.now() - 60_000),
      });
      await sweeper.sweep(soon());
      await sweeper.sweep(soon());
      const releases = (await files.getWaiting()).filter(
        (job) => job.name === 'release' && job.data.sharedFileId === post._id.toHexString(),
      );
      expect(releases).toHaveLength(1);
      expect(releases[0].id).toBe(`release:${post._id}`);
    });

    describe('the source references sweeper', () => {
      let references: SourceReferencesSweeper;
      let sources: Model<SourceFile>;
      beforeAll(() => {
        references = app.get(SourceReferencesSweeper);
        sources = app.get(getModelToken('SourceFile'));
      });
      const postOf = (source: { _id: Types.ObjectId }, fields: Partial<SharedFile> = {}) =>
        posts.create({
          key: new Types.ObjectId().toHexString().slice(-10),
          sourceId: source._id,
          userId: new Types.ObjectId(),
          shakeId: new Types.ObjectId(),
          ...fields,
        });
      const refCountOf = async (source: { _id: Types.ObjectId }) => (await sources.findById(source._id).lean())?.refCount;
      const purgesOf = async (storageKey: string) =>
        (await files.getWaiting()).filter((job) => job.name === 'purge' && job.data.storageKeys.includes(storageKey));
      /** As if last written `seconds` ago. */
      const writtenAgo = (source: { _id: Types.ObjectId }, seconds: number) =>
        sources.updateOne({ _id: source._id }, { $set: { updatedAt: new Date(Date.now() - seconds * 1000) } }, { timestamps: false });

      it('sets each reference count to the posts that hold one, and purges a source none holds', async () => {
        // An upload whose post write failed and whose undo never reached the database: a reference and no post.
        const orphan = await newSource();
        // Two live posts, and a third taken back without giving back its reference.
        const overCounted = await newSource();
        await sources.updateOne({ _id: overCounted._id }, { $set: { refCount: 3 } });
        await postOf(overCounted);
        await postOf(overCounted);
        // A deleted post marked released whose release stopped before it gave the reference back, beside a live one.
        const unreleased = await newSource();
        await sources.updateOne({ _id: unreleased._id }, { $set: { refCount: 2 } });
        await postOf(unreleased);
        await postOf(unreleased, { deletedAt: new Date(), sourceReleased: true });
        // A deleted post still owing its release holds its reference; one too few is raised.
        const underCounted = await newSource();
        await sources.updateOne({ _id: underCounted._id }, { $set: { refCount: 1 } });
        await postOf(underCounted);
        await postOf(underCounted, { deletedAt: new Date() });

        expect(await references.sweep(soon())).toBeGreaterThanOrEqual(1);
        expect(await sources.findById(orphan._id).lean()).toBeNull();
        expect(await purgesOf(orphan.storageKey)).toHaveLength(1);
        expect(await variants.findOne({ sourceId: orphan._id }).lean()).toBeNull();
        expect(await refCountOf(overCounted)).toBe(2);
        expect(await refCountOf(unreleased)).toBe(1);
        expect(await refCountOf(underCounted)).toBe(2);

        // Now exact: a second pass changes nothing and queues nothing.
        await references.sweep(soon());
        expect(await purgesOf(orphan.storageKey)).toHaveLength(1);
        expect([await refCountOf(overCounted), await refCountOf(unreleased), await refCountOf(underCounted)]).toEqual([2, 1, 2]);
      });

      it('leaves alone a source or a post written within the grace: an upload or a release may be half way', async () => {
        const inFlight = await newSource(); // just acquired: its post may be on its way
        const beingReleased = await newSource();
        await writtenAgo(beingReleased, 60);
        await postOf(beingReleased, { deletedAt: new Date(), sourceReleased: true }); // marked just now, reference next
        const settled = await newSource();
        await writtenAgo(settled, 60);

        await references.sweep(new Date(Date.now() - 30_000));
        expect(await refCountOf(inFlight)).toBe(1);
        expect(await refCountOf(beingReleased)).toBe(1);
        expect(await sources.findById(settled._id).lean()).toBeNull(); // the same rule, past the grace: purged
      });
    });
  });
});
