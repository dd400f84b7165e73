import { Client, isErrorShape, percentile, sleep } from './client';
import { recordFigure } from './figures';
import { FaultRig } from './rig';
import { accountsWithPosts, SocialTraffic } from './traffic';
import { eventually } from '../harness/servers';

/** Recovery settings of this scenario's worker, so the bound below is seconds, not the production minutes. */
const RECOVERY_INTERVAL_MS = 1000;
const SWEEP_GRACE_SECONDS = 3;
/** Every thumbnail made and every count exact within this long after Redis returns (grace + a few rounds + work). */
const RECOVERED_WITHIN_MS = 45_000;
const ANSWER_WITHIN_MS = 2000;

describe('Redis killed (SIGKILL) under a stream of uploads, likes and follows, then restarted empty', () => {
  const rig = new FaultRig();
  let client: Client;

  beforeAll(async () => {
    await rig.start();
    const [api] = await Promise.all([
      rig.startProcess('api'),
      rig.startProcess('worker', {
        JOB_RECOVERY_INTERVAL_MS: String(RECOVERY_INTERVAL_MS),
        JOB_SWEEP_GRACE_SECONDS: String(SWEEP_GRACE_SECONDS),
      }),
    ]);
    client = new Client(api.url);
  });
  afterAll(() => rig.close());

  it('answers every request within 2 s (2xx or a JSON 503), and loses nothing acknowledged', async () => {
    const { accounts, posts } = await accountsWithPosts(client, 5);

    const traffic = new SocialTraffic(client, accounts, posts);
    traffic.start(3, 100);
    await sleep(2000);
    const killedAt = Date.now();
    await rig.redis.stop(); // SIGKILL
    await sleep(4000);
    await rig.redis.start(); // no persistence: every queued job is gone
    const backAt = Date.now();
    await sleep(2000);
    await traffic.stop();

    const answers = traffic.answers;
    const during = answers.filter((a) => a.startedAt >= killedAt && a.startedAt < backAt);
    const slow = answers.filter((a) => a.status === 0 || a.ms >= ANSWER_WITHIN_MS);
    const unclean = answers.filter((a) => !(a.status >= 200 && a.status < 300) && !(a.status === 503 && isErrorShape(a)));
    expect(slow.map((a) => `${a.label} ${a.status} ${a.ms} ms at ${a.startedAt - killedAt} ms after the kill ${a.failure ?? ''}`)).toEqual(
      [],
    );
    expect(unclean.map((a) => `${a.label} ${a.status} ${JSON.stringify(a.body)}`)).toEqual([]);
    expect(during.length).toBeGreaterThan(10);

    // Every acknowledged upload: its bytes exactly, and a thumbnail, once Redis is back.
    const retrieved = await Promise.all(
      traffic.uploads.map(async (post) => {
        const raw = await client.call('raw', 'GET', `/api/v1/files/${post.key}/raw`);
        return { key: post.key, status: raw.status, same: raw.bytes.equals(post.image) };
      }),
    );
    expect(retrieved.filter((r) => r.status !== 200 || !r.same)).toEqual([]);
    const thumbnailsPending = async () => {
      const states = await Promise.all(
        traffic.uploads.map((post) => client.call('thumbnail', 'GET', `/api/v1/files/${post.key}/thumbnail`)),
      );
      return states.filter((s) => s.status !== 200).length;
    };
    await eventually(thumbnailsPending, (n) => n === 0, RECOVERED_WITHIN_MS - (Date.now() - backAt));
    const thumbnailsAfterMs = Date.now() - backAt;

    // Every acknowledged like and follow counted exactly once.
    const wrongCounts = async () => {
      const likes = await Promise.all(
        posts.map(async (post) => {
          const res = await client.call('describe', 'GET', `/api/v1/files/${post.key}`, { auth: post.owner.auth });
          const counted = (res.body as { counts?: { likes: number } } | undefined)?.counts?.likes;
          const expected = traffic.likes.get(post.key)?.size ?? 0;
          return counted === expected ? null : `${post.key} likes ${counted} != ${expected}`;
        }),
      );
      const followers = await Promise.all(
        accounts.map(async (account) => {
          const res = await client.call('shake', 'GET', `/api/v1/shakes/${account.username}`, { auth: account.auth });
          const counted = (res.body as { followerCount?: number } | undefined)?.followerCount;
          const expected = traffic.follows.get(account.username)?.size ?? 0;
          return counted === expected ? null : `${account.username} followers ${counted} != ${expected}`;
        }),
      );
      return [...likes, ...followers].filter((wrong) => wrong !== null);
    };
    expect(await eventually(wrongCounts, (wrong) => wrong.length === 0, RECOVERED_WITHIN_MS - (Date.now() - backAt))).toEqual([]);
    const countsAfterMs = Date.now() - backAt;
    expect(countsAfterMs).toBeLessThan(RECOVERED_WITHIN_MS);

    const ms = answers.map((a) => a.ms);
    const count = (label: string) => answers.filter((a) => a.label === label && a.status >= 200 && a.status < 300).length;
    const likesTotal = [...traffic.likes.values()].reduce((n, s) => n + s.size, 0);
    const followsTotal = [...traffic.follows.values()].reduce((n, s) => n + s.size, 0);
    recordFigure({
      order: 1,
      scenario: 'Redis killed, restarted empty',
      done: `3 clients uploading, liking and following for 8 s; redis-server SIGKILLed at 2 s, started again (no persistence) 4 s later; API and worker in separate processes`,
      held: `no request over ${ANSWER_WITHIN_MS} ms, every answer 2xx or a JSON 503; every acknowledged upload byte-exact with its thumbnail, every like and follow counted once`,
      numbers: `${answers.length} requests (${during.length} while Redis was down): ${count('upload')} uploads, ${count('like')} likes, ${count('follow')} follows acknowledged, ${answers.filter((a) => a.status === 503).length} 503s; p50 ${percentile(ms, 50)} ms, p99 ${percentile(ms, 99)} ms, max ${Math.max(...ms)} ms; thumbnails all made ${(thumbnailsAfterMs / 1000).toFixed(1)} s and ${likesTotal} likes / ${followsTotal} follows exact ${(countsAfterMs / 1000).toFixed(1)} s after Redis returned (bound ${RECOVERED_WITHIN_MS / 1000} s: sweep grace ${SWEEP_GRACE_SECONDS} s + recovery rounds of ${RECOVERY_INTERVAL_MS / 1000} s + the work)`,
    });
  });
});
