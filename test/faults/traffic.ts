import type { Answer, Client, TestAccount } from './client';
import { sleep } from './client';

export interface Post {
  key: string;
  owner: TestAccount;
  image: Buffer;
}

/** Registers `count` accounts and uploads `perAccount` fresh images for each (round by round), every one a 201. */
export async function accountsWithPosts(
  client: Client,
  count: number,
  perAccount = 1,
): Promise<{ accounts: TestAccount[]; posts: Post[] }> {
  const accounts: TestAccount[] = [];
  for (let i = 0; i < count; i++) accounts.push(await client.register());
  const posts: Post[] = [];
  for (let round = 0; round < perAccount; round++) {
    for (const owner of accounts) {
      const { answer, image } = await client.upload(owner);
      expect(answer.status).toBe(201);
      posts.push({ key: (answer.body as { key: string }).key, owner, image });
    }
  }
  return { accounts, posts };
}

/** `concurrency` loops that each take a turn, pause, and go on until stop() is called; every answer is kept. */
export abstract class TrafficLoops {
  readonly answers: Answer[] = [];
  protected abstract readonly defaultPauseMs: number;
  private running = false;
  private loops: Promise<void>[] = [];

  start(concurrency: number, pauseMs = this.defaultPauseMs): void {
    this.running = true;
    this.loops = Array.from({ length: concurrency }, (_, i) => this.loop(i, pauseMs));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** One request; `turn` counts up from the loop's number, so concurrent loops start on different kinds. */
  protected abstract step(turn: number): Promise<void>;

  private async loop(seed: number, pauseMs: number): Promise<void> {
    for (let turn = seed; this.running; turn++) {
      await this.step(turn);
      await sleep(pauseMs);
    }
  }
}

/**
 * A steady stream of uploads, likes and follows from `accounts`, `concurrency` at a time, until stop() is called.
 * It remembers what was acknowledged (2xx), which is what must never be lost.
 */
export class SocialTraffic extends TrafficLoops {
  readonly uploads: Post[] = [];
  /** post key → users whose like was acknowledged */
  readonly likes = new Map<string, Set<string>>();
  /** username → followers whose follow was acknowledged */
  readonly follows = new Map<string, Set<string>>();
  protected readonly defaultPauseMs = 50;

  constructor(
    private readonly client: Client,
    private readonly accounts: TestAccount[],
    readonly posts: Post[],
    private readonly timeoutMs = 5000,
  ) {
    super();
  }

  protected async step(turn: number): Promise<void> {
    const who = this.accounts[Math.floor(Math.random() * this.accounts.length)];
    const action = turn % 3;
    if (action === 0) {
      const { answer, image } = await this.client.upload(who, undefined, this.timeoutMs);
      this.answers.push(answer);
      if (answer.status === 201) {
        const post = { key: (answer.body as { key: string }).key, owner: who, image };
        this.uploads.push(post);
        this.posts.push(post);
      }
    } else if (action === 1) {
      const others = this.posts.filter((post) => post.owner !== who);
      const post = others[Math.floor(Math.random() * others.length)];
      const answer = await this.client.call('like', 'PUT', `/api/v1/files/${post.key}/like`, {
        auth: who.auth,
        timeoutMs: this.timeoutMs,
      });
      this.answers.push(answer);
      if (answer.status === 204) add(this.likes, post.key, who.username);
    } else {
      const others = this.accounts.filter((account) => account !== who);
      const target = others[Math.floor(Math.random() * others.length)];
      const answer = await this.client.call('follow', 'PUT', `/api/v1/shakes/${target.username}/follow`, {
        auth: who.auth,
        timeoutMs: this.timeoutMs,
      });
      this.answers.push(answer);
      if (answer.status === 204) add(this.follows, target.username, who.username);
    }
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

/** Anonymous readers of public pages (a post, its raw bytes, its thumbnail, a shake), `concurrency` at a time. */
export class PublicReads extends TrafficLoops {
  protected readonly defaultPauseMs = 20;

  constructor(
    private readonly client: Client,
    private readonly posts: Post[],
    private readonly timeoutMs = 5000,
  ) {
    super();
  }

  protected async step(turn: number): Promise<void> {
    const post = this.posts[Math.floor(Math.random() * this.posts.length)];
    const [label, path] = [
      ['get post', `/api/v1/files/${post.key}`],
      ['get raw', `/r/${post.key}`],
      ['get thumbnail', `/t/${post.key}`],
      ['get shake', `/api/v1/shakes/${post.owner.username}`],
    ][turn % 4];
    this.answers.push(await this.client.call(label, 'GET', path, { timeoutMs: this.timeoutMs }));
  }
}
