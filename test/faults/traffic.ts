import type { Answer, Client, TestAccount } from './client';
import { sleep } from './client';

export interface Post {
  key: string;
  owner: TestAccount;
  image: Buffer;
}

/**
 * A steady stream of uploads, likes and follows from `accounts`, `concurrency` at a time, until stop() is called.
 * It remembers what was acknowledged (2xx), which is what must never be lost.
 */
export class SocialTraffic {
  readonly uploads: Post[] = [];
  /** post key → users whose like was acknowledged */
  readonly likes = new Map<string, Set<string>>();
  /** username → followers whose follow was acknowledged */
  readonly follows = new Map<string, Set<string>>();
  readonly answers: Answer[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly client: Client,
    private readonly accounts: TestAccount[],
    readonly posts: Post[],
    private readonly timeoutMs = 5000,
  ) {}

  start(concurrency: number, pauseMs = 50): void {
    this.running = true;
    this.loops = Array.from({ length: concurrency }, (_, i) => this.loop(i, pauseMs));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(seed: number, pauseMs: number): Promise<void> {
    let turn = seed;
    while (this.running) {
      const who = this.accounts[Math.floor(Math.random() * this.accounts.length)];
      const action = turn++ % 3;
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
      await sleep(pauseMs);
    }
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key) ?? new Set<string>();
  set.add(value);
  map.set(key, set);
}

/** Anonymous readers of public pages (a post, its raw bytes, its thumbnail, a shake), `concurrency` at a time. */
export class PublicReads {
  readonly answers: Answer[] = [];
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly client: Client,
    private readonly posts: Post[],
    private readonly timeoutMs = 5000,
  ) {}

  start(concurrency: number, pauseMs = 20): void {
    this.running = true;
    this.loops = Array.from({ length: concurrency }, (_, i) => this.loop(i, pauseMs));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async loop(seed: number, pauseMs: number): Promise<void> {
    let turn = seed;
    while (this.running) {
      const post = this.posts[Math.floor(Math.random() * this.posts.length)];
      const [label, path] = [
        ['get post', `/api/v1/files/${post.key}`],
        ['get raw', `/r/${post.key}`],
        ['get thumbnail', `/t/${post.key}`],
        ['get shake', `/api/v1/shakes/${post.owner.username}`],
      ][turn++ % 4];
      this.answers.push(await this.client.call(label, 'GET', path, { timeoutMs: this.timeoutMs }));
      await sleep(pauseMs);
    }
  }
}
