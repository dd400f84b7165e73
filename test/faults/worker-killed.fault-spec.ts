import Redis from 'ioredis';
import mongoose from 'mongoose';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { QUEUES, STALLED_JOB_RERUN_WITHIN_MS, STALLED_JOB_SETTINGS } from '../../src/jobs/queues';
import { eventually, freePort } from '../harness/servers';
import { SmtpTestServer } from '../harness/smtp-test-server';
import { Client, sleep, type TestAccount } from './client';
import { recordFigure } from './figures';
import { AppProcess, FaultRig } from './rig';

const WATCHED = [QUEUES.files.name, QUEUES.social.name, QUEUES.search.name] as const;
const EVERY_QUEUE = Object.values(QUEUES).map((queue) => queue.name);
/**
 * Bull's own arithmetic (STALLED_JOB_RERUN_WITHIN_MS, 25 s) plus what a loaded 2-core machine adds to it: the
 * stalled-check timer and the new worker's first poll firing late.
 */
const RERUN_WITHIN_MS = STALLED_JOB_RERUN_WITHIN_MS + 3000;
const SETTLED_WITHIN_MS = 40_000;
const PUBLIC_HOST = 'localhost';

/** A PNG of noise: megapixel-sized, so that its variants job takes long enough to be caught running. */
const noisePng = (side: number) =>
  sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();

interface Held {
  queue: string;
  id: string;
  name: string;
  /** When it was seen running again (its processedOn), or gone (a mail job is removed once it completed). */
  rerunAt?: number;
}

describe('the worker SIGKILLed in the middle of variants, counter and search jobs, then started again', () => {
  const smtp = new SmtpTestServer();
  const rig = new FaultRig({ env: { EMAIL_VERIFICATION_ENABLED: 'false', PUBLIC_URL: `http://${PUBLIC_HOST}:3000` } });
  let client: Client;
  /** The outbox drained every second (as in the other scenarios), not every 15 s. */
  const WORKER_ENV = { SMTP_URL: '', JOB_RECOVERY_INTERVAL_MS: '1000' };
  let redis: Redis;
  let db: mongoose.Connection;
  let outbox: mongoose.mongo.Collection;

  beforeAll(async () => {
    await Promise.all([smtp.start(), rig.start()]);
    WORKER_ENV.SMTP_URL = smtp.url;
    const api = await rig.startProcess('api', { SMTP_URL: smtp.url });
    client = new Client(api.url);
    redis = new Redis(rig.redis.url, { maxRetriesPerRequest: 1 });
    db = await mongoose.createConnection(rig.mongo.uriFor(rig.database)).asPromise();
    outbox = db.collection('job_outbox');
  });
  afterAll(async () => {
    redis?.disconnect();
    await db?.close();
    await rig.close();
    await smtp.stop();
  });

  const key = (queue: string, list: string) => `malted:bull:${queue}:${list}`;
  const activeOf = (queue: string) => redis.lrange(key(queue, 'active'), 0, -1);
  /**
   * Jobs still to run: waiting, running, delayed for a retry (repeatable jobs always have a next run delayed), or
   * in the outbox (a job Redis did not take within JOB_ENQUEUE_TIMEOUT_MS on a loaded machine waits there). The
   * queues are read in one MULTI: read one by one, a job that queues another in a queue already read looks done.
   */
  const owed = async () => {
    const multi = redis.multi();
    for (const queue of EVERY_QUEUE) multi.llen(key(queue, 'wait')).llen(key(queue, 'active')).zrange(key(queue, 'delayed'), 0, -1);
    const replies = ((await multi.exec()) ?? []).map(([error, reply]) => {
      if (error) throw error;
      return reply as number | string[];
    });
    const inRedis = replies.reduce<number>(
      (n, reply) => n + (typeof reply === 'number' ? reply : reply.filter((id) => !id.startsWith('repeat:')).length),
      0,
    );
    return inRedis + (await outbox.countDocuments());
  };
  /** When nothing was owed, seen twice a second apart (an outbox entry moves to Redis between the two reads of one). */
  const settled = async (withinMs: number): Promise<number> => {
    const end = Date.now() + withinMs;
    let firstZeroAt = 0;
    for (let zeros = 0; zeros < 2;) {
      if (Date.now() > end) throw new Error(`jobs still owed after ${withinMs} ms: ${await owed()}`);
      await sleep(zeros === 0 ? 200 : 1000);
      const now = Date.now();
      zeros = (await owed()) === 0 ? zeros + 1 : 0;
      if (zeros === 1) firstZeroAt = now;
    }
    return firstZeroAt;
  };
  const failedJobs = async () => {
    const failed: string[] = [];
    for (const queue of EVERY_QUEUE)
      for (const id of await redis.zrange(key(queue, 'failed'), 0, -1))
        failed.push(`${queue} ${id}: ${await redis.hget(key(queue, id), 'failedReason')}`);
    return failed;
  };

  it('runs every job it held again within the bound, and no effect twice', async () => {
    // The facts, made with no worker running: their jobs wait in Redis for it.
    const accounts: TestAccount[] = [];
    for (let i = 0; i < 5; i++) accounts.push(await client.register());
    const posts: { key: string; owner: TestAccount }[] = [];
    for (let i = 0; i < 8; i++) {
      const owner = accounts[i % accounts.length];
      const { answer } = await client.upload(owner, await noisePng(800 + i));
      expect(answer.status).toBe(201);
      posts.push({ key: (answer.body as { key: string }).key, owner });
    }
    const writes: Promise<{ status: number }>[] = [];
    for (const follower of accounts)
      for (const shake of accounts)
        if (shake !== follower)
          writes.push(client.call('follow', 'PUT', `/api/v1/shakes/${shake.username}/follow`, { auth: follower.auth }));
    for (const liker of accounts)
      for (const post of posts)
        if (post.owner !== liker) writes.push(client.call('like', 'PUT', `/api/v1/files/${post.key}/like`, { auth: liker.auth }));
    posts.forEach((post, i) => {
      const author = accounts[(accounts.indexOf(post.owner) + 1 + (i % (accounts.length - 1))) % accounts.length];
      writes.push(client.call('comment', 'POST', `/api/v1/files/${post.key}/comments`, { auth: author.auth, json: { body: `nice ${i}` } }));
    });
    const answered = await Promise.all(writes);
    expect(answered.filter((a) => a.status !== 204 && a.status !== 201)).toEqual([]);
    const backlog = await owed();

    // The worker starts on the backlog and is killed once it is running jobs of all three kinds at once.
    const port = await freePort();
    const first = new AppProcess(port, rig.env({ MALTED_MODE: 'worker', PORT: String(port), ...WORKER_ENV }));
    rig.processes.push(first);
    const busy = await eventually(
      async () => Promise.all(WATCHED.map(activeOf)),
      (active) => active.every((ids) => ids.length > 0) || !first.running,
      45_000,
    );
    expect(busy.every((ids) => ids.length > 0)).toBe(true);
    await first.kill();
    const killedAt = Date.now();
    const held: Held[] = [];
    for (const queue of EVERY_QUEUE) {
      for (const id of await activeOf(queue)) held.push({ queue, id, name: (await redis.hget(key(queue, id), 'name')) ?? '?' });
    }
    const heldByQueue = Object.fromEntries(WATCHED.map((queue) => [queue, held.filter((h) => h.queue === queue).length]));
    expect(Object.values(heldByQueue).every((n) => n > 0)).toBe(true);

    await rig.startProcess('worker', WORKER_ENV);
    // Each held job is moved back by the stalled check once its lock ran out, and taken by the new worker.
    await eventually(
      async () => {
        for (const job of held.filter((h) => h.rerunAt === undefined)) {
          const [processedOn] = await redis.hmget(key(job.queue, job.id), 'processedOn');
          const exists = await redis.exists(key(job.queue, job.id));
          if (!exists) job.rerunAt = Date.now();
          else if (processedOn && Number(processedOn) > killedAt) job.rerunAt = Number(processedOn);
        }
        return held.filter((h) => h.rerunAt === undefined).length;
      },
      (left) => left === 0,
      RERUN_WITHIN_MS + 5000,
    );
    const rerunMs = held.map((h) => (h.rerunAt ?? Infinity) - killedAt);
    expect(
      held.filter((h, i) => !(rerunMs[i] < RERUN_WITHIN_MS)).map((h) => `${h.queue}/${h.name} ${h.id} ${h.rerunAt! - killedAt} ms`),
    ).toEqual([]);
    // They came back through the stalled check (counted on the job), not some other path.
    const stalledCounters = await Promise.all(
      held.filter((h) => h.queue !== QUEUES.mail.name).map((h) => redis.hget(key(h.queue, h.id), 'stalledCounter')),
    );
    expect(stalledCounters.filter((n) => n !== '1')).toEqual([]);

    const settledAfterMs = (await settled(SETTLED_WITHIN_MS)) - killedAt;
    expect(await failedJobs()).toEqual([]);
    await sleep(500); // the last mail's delivery, after its job completed

    {
      const sharedFiles = await db.collection('shared_files').find({}).toArray();
      const sources = await db.collection('source_files').find({}).toArray();
      const variantSets = await db.collection('file_variants').find({}).toArray();
      expect(sharedFiles).toHaveLength(posts.length);

      // Variants: one ready set per source, its two objects stored once, nothing else in the store.
      expect(variantSets.filter((v) => v.status !== 'ready').map((v) => String(v.sourceId))).toEqual([]);
      expect(variantSets.map((v) => String(v.sourceId)).sort()).toEqual(sources.map((s) => String(s._id)).sort());
      const expectedObjects = sources.flatMap((s) => [s.storageKey, `${s.storageKey}-thumbnail`, `${s.storageKey}-small`]).sort();
      const stored = rig.storedFiles();
      const leftovers = stored.filter((name) => name.startsWith('.tmp-'));
      expect(stored.filter((name) => !name.startsWith('.tmp-')).sort()).toEqual(expectedObjects);
      const thumbnails = await Promise.all(posts.map((post) => client.call('thumbnail', 'GET', `/api/v1/files/${post.key}/thumbnail`)));
      expect(thumbnails.filter((t) => t.status !== 200).map((t) => t.status)).toEqual([]);

      // Counters: what the facts say.
      const likes = await db.collection('likes').find({}).toArray();
      const follows = await db.collection('follows').find({}).toArray();
      const comments = await db.collection('comments').find({}).toArray();
      const wrong: string[] = [];
      for (const post of sharedFiles) {
        const expected = {
          likes: likes.filter((l) => String(l.sharedFileId) === String(post._id)).length,
          comments: comments.filter((c) => String(c.sharedFileId) === String(post._id)).length,
        };
        if (post.counts.likes !== expected.likes || post.counts.comments !== expected.comments)
          wrong.push(`${post.key} ${JSON.stringify(post.counts)} != ${JSON.stringify(expected)}`);
      }
      const shakes = await db.collection('shakes').find({}).toArray();
      for (const shake of shakes) {
        const expected = follows.filter((f) => String(f.shakeId) === String(shake._id)).length;
        if (shake.followerCount !== expected) wrong.push(`${shake.name} followers ${shake.followerCount} != ${expected}`);
      }
      expect(wrong).toEqual([]);
      expect(likes.length).toBe(posts.length * (accounts.length - 1));
      expect(follows.length).toBe(accounts.length * (accounts.length - 1));

      // Notifications: exactly one per like, follow and comment.
      const notifications = await db.collection('notifications').find({}).toArray();
      const facts = [...likes, ...follows, ...comments].map((f) => String(f._id)).sort();
      expect(notifications.map((n) => String(n.factId)).sort()).toEqual(facts);

      // Mail: one per mailed notification (follows and comments), under its deterministic Message-ID.
      const mailed = notifications.filter((n) => n.type === 'follow' || n.type === 'comment');
      expect(mailed.filter((n) => n.mailedAs !== 'sent').map((n) => `${n.type} ${n.mailedAs}`)).toEqual([]);
      const messageIdOf = (n: (typeof mailed)[number]) => `<notification.${String(n._id)}@${PUBLIC_HOST}>`;
      const received = new Map<string, number>();
      for (const mail of smtp.delivered) received.set(mail.parsed.messageId ?? '?', (received.get(mail.parsed.messageId ?? '?') ?? 0) + 1);
      expect(mailed.filter((n) => received.get(messageIdOf(n)) === undefined).map(messageIdOf)).toEqual([]);
      // Twice only with the same Message-ID, and only for a mail job the dead worker held: killed between the
      // server's acceptance and the "sent" record (the one window SMTP leaves).
      const heldMail = new Set(
        held.filter((h) => h.queue === QUEUES.mail.name).map((h) => `<${h.id.replace(/[^A-Za-z0-9.-]/g, '.')}@${PUBLIC_HOST}>`),
      );
      const twice = [...received].filter(([, n]) => n > 1).map(([id]) => id);
      expect(twice.filter((id) => !heldMail.has(id))).toEqual([]);
      expect(smtp.delivered.length).toBe(mailed.length + twice.length);
      expect(await db.collection('sent_mails').countDocuments()).toBe(mailed.length);

      // Search: every post found once under its owner, with its counts.
      for (const account of accounts) {
        const res = await client.call('search', 'GET', `/api/v1/search?q=${encodeURIComponent(`from:${account.username}`)}&limit=50`);
        const hits = (res.body as { items: { key: string; likes: number }[] }).items;
        const own = posts.filter((p) => p.owner === account).map((p) => p.key);
        expect(hits.map((h) => h.key).sort()).toEqual(own.sort());
        expect(hits.filter((h) => h.likes !== accounts.length - 1).map((h) => h.key)).toEqual([]);
      }

      const outboxed = rig.processes.map((p) => p.output.split('job written to the outbox').length - 1).reduce((a, b) => a + b, 0);
      const heldText = WATCHED.map((queue) => `${heldByQueue[queue]} ${queue}`).join(', ');
      const heldNames = [...new Set(held.map((h) => `${h.queue}/${h.name}`))].join(', ');
      recordFigure({
        order: 5,
        scenario: 'Worker killed mid-job',
        done: `${posts.length} megapixel uploads, ${follows.length} follows, ${likes.length} likes and ${comments.length} comments queued with no worker (${backlog} jobs); a worker started on them and SIGKILLed as soon as it was running variants, counter and search jobs at once; a new worker started at once (Bull lockDuration ${STALLED_JOB_SETTINGS.lockDuration / 1000} s, stalledInterval ${STALLED_JOB_SETTINGS.stalledInterval / 1000} s, maxStalledCount ${STALLED_JOB_SETTINGS.maxStalledCount})`,
        held: `every job the dead worker held ran again within ${RERUN_WITHIN_MS / 1000} s (lockDuration + 2 × stalledInterval = ${STALLED_JOB_RERUN_WITHIN_MS / 1000} s, + 3 s for a loaded machine's timers), through the stalled check; one ready variant set per source and nothing else stored, every thumbnail served; every like, comment and follower count exact; one notification per fact; one mail per mailed notification under its deterministic Message-ID; every post found once by search`,
        numbers: `held: ${heldText} (${heldNames}); run again ${(Math.min(...rerunMs) / 1000).toFixed(1)} to ${(Math.max(...rerunMs) / 1000).toFixed(1)} s after the kill (Bull's defaults: 34 to 92 s); all ${backlog} jobs done ${(settledAfterMs / 1000).toFixed(1)} s after it; ${notifications.length} notifications, ${smtp.delivered.length} mails (${twice.length} sent twice), ${leftovers.length} temporary object(s) left in the store; ${outboxed} job(s) went through the outbox (Redis slower than JOB_ENQUEUE_TIMEOUT_MS on the loaded machine)`,
      });
    }
  });
});
