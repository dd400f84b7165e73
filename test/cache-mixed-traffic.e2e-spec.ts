import type { NestExpressApplication } from '@nestjs/platform-express';
import { appendFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { png } from './harness/images';
import { randomSource } from './harness/random';
import mongoose from 'mongoose';
import { mongoUriFor, TestContext } from './harness/test-app';

/**
 * The response cache under mixed traffic (issue #16, item 5): MIXED_REQUESTS requests (1,000 by default, 10,000 for
 * the README's figure: each costs this process, which holds both API instances and the worker, some 0.1 s of CPU)
 * from 50 signed-in users and anonymous callers, CONCURRENCY at a time, spread over two API instances that share
 * one Redis, one database and one worker, with likes, saves, follows, NSFW opt-in toggles, uploads, edits, NSFW marks and deletes
 * in between. The test keeps a model of what every acknowledged write changed, as a history (each write with the
 * logical times it was sent and answered), and judges every answer against it:
 * - no answer carries another user's data or state: `viewer` is exactly the caller's own (liked, saved,
 *   following, canPost), anonymous answers have none, no answer names another user's email, NSFW files are in a
 *   list only for callers who opted in, and no shared entry in Redis holds a `viewer`, an email or an NSFW list item;
 * - no read is stale: a read sent after a write was answered reflects it, whichever instance either went through
 *   (a value is admissible if it is the last one answered before the read was sent, or one of a write still in
 *   flight while it ran). Search reads an index kept by jobs ("usually within a second"): it is held to
 *   SEARCH_LAG_MS instead.
 * Seeded (MIXED_SEED): each lane draws its actors, operations and targets from its own PRNG; which posts exist when
 * a step runs depends on the interleaving, so a rerun makes the same kinds of request, not byte-identical ones.
 * MIXED_PROGRESS=file appends a progress line every 15 s; MIXED_TIMEOUT_MS bounds the run (10 minutes).
 */
const SEED = Number(process.env.MIXED_SEED ?? 20261216);
const REQUESTS = Number(process.env.MIXED_REQUESTS ?? 1000);
const CONCURRENCY = 16;
const USERS = 50;
/** How far behind the search index (kept by jobs, "usually within a second") may be on a loaded machine. */
const SEARCH_LAG_MS = 10_000;
const TAGS = ['mixa', 'mixb', 'mixc', 'mixd', 'mixe', 'mixf'];
const WORD = 'mixword';
const LIMIT = 100;
/** Lists are read from their newest end; a post this much newer than a page's oldest item must be on it. */
const ORDER_MARGIN_MS = 2000;

// Generous: on a loaded 2-core machine the run has taken several times its idle length.
jest.setTimeout(Number(process.env.MIXED_TIMEOUT_MS ?? 600_000));

/** Logical time: every request is sent at one tick and answered at a later one. */
let clock = 0;
const tickTimes: number[] = [Date.now()];
const tick = () => {
  tickTimes.push(Date.now());
  return ++clock;
};
/** The last tick at or before a wall-clock time. */
function tickAt(ms: number): number {
  let lo = 0;
  let hi = tickTimes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tickTimes[mid] <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

interface Window {
  /** Sent (tick). */
  start: number;
  /** Answered (tick). */
  end: number;
}

/** What a read may show of a value: the last write answered before it was sent, or any write in flight meanwhile. */
class Register<T> {
  private readonly changes: (Window & { value: T })[] = [];
  constructor(private readonly initial: T) {}

  set(at: Window, value: T): void {
    this.changes.push({ ...at, value });
  }

  /** The value of the write answered last. */
  last(): T {
    return (
      this.changes.reduce<(Window & { value: T }) | undefined>((l, c) => (!l || c.end > l.end ? c : l), undefined)?.value ?? this.initial
    );
  }

  toString(): string {
    return JSON.stringify({ initial: this.initial, changes: this.changes });
  }

  admissible(read: Window): T[] {
    let settled = this.initial;
    let settledAt = -1;
    const open: T[] = [];
    for (const change of this.changes) {
      if (change.end < read.start) {
        if (change.end > settledAt) [settled, settledAt] = [change.value, change.end];
      } else if (change.start < read.end) open.push(change.value);
    }
    return [settled, ...open];
  }
}

/** Whether a predicate can hold during a read (some admissible state) and whether it must (every one). */
interface Tri {
  can: boolean;
  must: boolean;
}
const triOf = (values: boolean[]): Tri => ({ can: values.includes(true), must: values.every(Boolean) });
const and = (...all: Tri[]): Tri => ({ can: all.every((t) => t.can), must: all.every((t) => t.must) });
const not = (t: Tri): Tri => ({ can: !t.must, must: !t.can });
const any = (all: Tri[]): Tri => ({ can: all.some((t) => t.can), must: all.some((t) => t.must) });

interface PostModel {
  key: string;
  owner: string;
  shake: string;
  parentKey: string | null;
  originalKey: string | null;
  source: string;
  createdAtMs: number;
  created: Window;
  title: Register<string>;
  description: Register<string>;
  deleted: Register<boolean>;
}

interface Actor {
  index: number;
  username: string;
  email: string;
  auth: string;
  showNsfw: Register<boolean>;
  likes: Map<string, Register<boolean>>;
  follows: Map<string, Register<boolean>>;
  /** Shakes this user may post to. */
  canPost: Set<string>;
}

interface FileJson {
  key: string;
  title: string;
  description: string;
  nsfw: boolean;
  owner: { username: string };
  shake: string;
  savedFrom?: string | null;
  createdAt: string;
  viewer?: { liked: boolean; saved: boolean };
}
interface ShakeJson {
  name: string;
  viewer?: { following: boolean; canPost: boolean };
}
interface PageJson {
  items: FileJson[];
  next?: string | null;
}

const tagsOf = (description: string) => [...new Set([...description.matchAll(/#(\w+)/g)].map((m) => m[1].toLowerCase()))];

describe('the response cache under mixed traffic (two API instances, one Redis, one database, one worker)', () => {
  const ctx = new TestContext(__filename);
  const bases: string[] = [];
  const actors: Actor[] = [];
  const posts = new Map<string, PostModel>();
  const sources = new Map<string, Register<boolean>>();
  const groupShakes: { name: string; owner: Actor }[] = [];
  const violations: { what: string; post?: string }[] = [];
  /** Stale reads of posts whose database document lost an acknowledged write (see below). */
  const lostByDatabase: { what: string; post?: string }[] = [];
  let searchRefusals = 0;
  const statuses = new Map<string, number>();
  const cacheOutcomes = { HIT: 0, MISS: 0, BYPASS: 0 };
  let requests = 0;
  let uploadsMade = 0;
  let entriesChecked = 0;
  /** Writes sent and not answered yet, by id: a read is judged once every write sent before it ended is answered. */
  const inFlight = new Map<number, number>();
  let writeIds = 0;
  const pending: { end: number; judge: () => void }[] = [];

  const violate = (what: string, post?: string) => {
    if (violations.length < 5000) violations.push({ what, post });
  };

  function drain(): void {
    const oldest = Math.min(Infinity, ...inFlight.values());
    pending.sort((x, y) => x.end - y.end);
    while (pending.length > 0 && pending[0].end < oldest) pending.shift()!.judge();
  }

  interface Answer {
    id: number;
    status: number;
    body: unknown;
    text: string;
    headers: Headers;
    at: Window;
    atMs: number;
  }

  async function send(
    base: string,
    method: string,
    path: string,
    options: { auth?: string; json?: unknown; form?: FormData; write?: boolean } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (options.auth) headers.authorization = options.auth;
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) body = options.form;
    const atMs = Date.now();
    const start = tick();
    const id = ++writeIds;
    if (options.write) inFlight.set(id, start);
    let status = 0;
    let text: string;
    let resHeaders = new Headers();
    try {
      const res = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(30_000) });
      status = res.status;
      text = await res.text();
      resHeaders = res.headers;
    } catch (error) {
      text = String(error);
    }
    const end = tick();
    requests++;
    const label = `${method} ${path.replace(/\?.*/, '').replace(/\/[A-Za-z0-9_-]{10,}(?=\/|$)/g, '/:id')} ${status}`;
    statuses.set(label, (statuses.get(label) ?? 0) + 1);
    let parsed: unknown;
    if ((resHeaders.get('content-type') ?? '').includes('json') && text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        violate(`${method} ${path}: unparsable JSON`);
      }
    }
    return { id, status, body: parsed, text, headers: resHeaders, at: { start, end }, atMs };
  }

  /** A write's effect is in the model (or it failed): the reads it held back can be judged. */
  function settle(answer: Answer): void {
    inFlight.delete(answer.id);
    drain();
  }

  /** Defers the judging of a read until every write sent before it was answered is in the model. */
  function judgeLater(answer: Answer, judge: () => void): void {
    pending.push({ end: answer.at.end, judge });
    drain();
  }

  const userOf = (username: string) => actors.find((a) => a.username === username);

  // ---- the model's view of one post during a read ----
  const live = (post: PostModel, read: Window): Tri =>
    and({ can: post.created.start < read.end, must: post.created.end < read.start }, not(triOf(post.deleted.admissible(read))));
  const nsfwOf = (post: PostModel, read: Window): Tri => triOf(sources.get(post.source)!.admissible(read));
  const likedBy = (actor: Actor, key: string, read: Window): boolean[] => actor.likes.get(key)?.admissible(read) ?? [false];
  const savedBy = (actor: Actor, post: PostModel, read: Window): Tri =>
    any(
      [...posts.values()]
        .filter((p) => p.owner === actor.username && p.parentKey !== null && (p.parentKey === post.key || p.parentKey === post.originalKey))
        .map((save) => live(save, read)),
    );
  const following = (actor: Actor, shake: string, read: Window): boolean[] => actor.follows.get(shake)?.admissible(read) ?? [false];
  const showsNsfw = (actor: Actor | undefined, read: Window): Tri =>
    actor ? triOf(actor.showNsfw.admissible(read)) : { can: false, must: false };

  /** Checks one post of an answer: it exists, its fields are current, NSFW only if allowed, `viewer` the caller's. */
  function checkFile(where: string, item: FileJson, caller: Actor | undefined, read: Window, nsfwFiltered: boolean, lenient = false): void {
    const post = posts.get(item.key);
    if (!post) return violate(`${where}: unknown post ${item.key}`);
    // Search holds what its index says, kept by jobs: judged as of SEARCH_LAG_MS before the read.
    const asOf = lenient ? { start: Math.min(read.start, tickAt(tickTimes[read.start] - SEARCH_LAG_MS)), end: read.end } : read;
    if (!live(post, asOf).can) violate(`${where}: ${item.key} is deleted (or not made yet) but shown`, item.key);
    if (!post.title.admissible(asOf).includes(item.title))
      violate(`${where}: ${item.key} title ${item.title} is stale (read ${JSON.stringify(read)}, ${post.title.toString()})`, item.key);
    if (!post.description.admissible(asOf).includes(item.description))
      violate(`${where}: ${item.key} description ${item.description} is stale`, item.key);
    if (item.owner.username !== post.owner || item.shake !== post.shake) violate(`${where}: ${item.key} owner/shake wrong`);
    if (item.savedFrom !== undefined && item.savedFrom !== post.parentKey) violate(`${where}: ${item.key} savedFrom wrong`);
    const nsfw = nsfwOf(post, asOf);
    if (item.nsfw && !nsfw.can) violate(`${where}: ${item.key} says nsfw, never marked`);
    if (!item.nsfw && nsfw.must) violate(`${where}: ${item.key} says not nsfw after it was marked`, item.key);
    if (nsfwFiltered && !showsNsfw(caller, read).can && (item.nsfw || nsfw.must))
      violate(
        `${where}: NSFW ${item.key} (${item.nsfw}, ${sources.get(post.source)!.toString()}, read ${JSON.stringify(read)}) in a list for ${caller ? `${caller.username}, who did not opt in` : 'an anonymous caller'}`,
        item.key,
      );
    if (!caller) {
      if (item.viewer !== undefined) violate(`${where}: anonymous answer carries viewer on ${item.key}`);
      return;
    }
    if (!item.viewer) return violate(`${where}: no viewer on ${item.key} for ${caller.username}`);
    if (!likedBy(caller, item.key, read).includes(item.viewer.liked))
      violate(`${where}: viewer.liked ${item.viewer.liked} on ${item.key} is not ${caller.username}'s`);
    const saved = savedBy(caller, post, read);
    if (item.viewer.saved ? !saved.can : saved.must)
      violate(`${where}: viewer.saved ${item.viewer.saved} on ${item.key} is not ${caller.username}'s`);
  }

  function checkShake(where: string, shake: ShakeJson, caller: Actor | undefined, read: Window): void {
    if (!caller) {
      if (shake.viewer !== undefined) violate(`${where}: anonymous answer carries viewer on shake ${shake.name}`);
      return;
    }
    if (!shake.viewer) return violate(`${where}: no viewer on shake ${shake.name}`);
    if (!following(caller, shake.name, read).includes(shake.viewer.following))
      violate(`${where}: viewer.following ${shake.viewer.following} on ${shake.name} is not ${caller.username}'s`);
    if (shake.viewer.canPost !== caller.canPost.has(shake.name))
      violate(`${where}: viewer.canPost ${shake.viewer.canPost} on ${shake.name} is not ${caller.username}'s`);
  }

  /** Nothing private of anyone else: no other user's email anywhere in the body. */
  function checkNoOthersData(where: string, answer: Answer, caller: Actor | undefined): void {
    for (const match of answer.text.matchAll(/[a-z0-9]+@example\.com/g)) {
      if (match[0] !== caller?.email) violate(`${where}: carries ${match[0]} to ${caller?.username ?? 'an anonymous caller'}`);
    }
  }

  /** Every post that must be on a page is, and every one on it may be. */
  function checkPage(
    where: string,
    page: PageJson,
    caller: Actor | undefined,
    read: Window,
    belongs: ((post: PostModel) => Tri) | null,
    lenient = false,
  ): void {
    for (const item of page.items) checkFile(where, item, caller, read, true, lenient);
    if (!belongs) return;
    const shown = new Set(page.items.map((item) => item.key));
    for (const item of page.items) {
      const post = posts.get(item.key);
      if (post && !belongs(post).can) violate(`${where}: ${item.key} does not belong on it`, item.key);
    }
    const complete = !page.next;
    const oldest = Math.min(...page.items.map((item) => Date.parse(item.createdAt)));
    const nsfwShown = showsNsfw(caller, read);
    for (const post of posts.values()) {
      if (shown.has(post.key)) continue;
      if (!complete && !(post.createdAtMs > oldest + ORDER_MARGIN_MS)) continue;
      const must = and(belongs(post), live(post, read), nsfwShown.must ? { can: true, must: true } : not(nsfwOf(post, read)));
      if (must.must) violate(`${where}: ${post.key} is missing (stale list)`, post.key);
    }
  }

  async function judgeRead(kind: string, app: string, caller: Actor | undefined, rng: () => number): Promise<boolean> {
    const auth = caller?.auth;
    const known = [...posts.values()];
    const somePost = () => known[Math.floor(rng() * known.length)];
    const someShake = () => {
      const r = rng();
      if (r < 0.1 && groupShakes.length) return groupShakes[Math.floor(rng() * groupShakes.length)].name;
      return actors[Math.floor(rng() * actors.length)].username;
    };
    let path: string;
    let judge: (answer: Answer, where: string) => void;
    const page = (answer: Answer) => answer.body as PageJson;
    switch (kind) {
      case 'file': {
        const post = somePost();
        path = `/api/v1/files/${post.key}`;
        judge = (answer, where) => {
          if (answer.status === 404) {
            if (live(post, answer.at).must) violate(`${where}: 404 for a live post`, post.key);
            return;
          }
          if (answer.status !== 200) return violate(`${where}: ${answer.status}`);
          checkFile(where, answer.body as FileJson, caller, answer.at, false);
        };
        break;
      }
      case 'shakeFiles': {
        const shake = someShake();
        path = `/api/v1/shakes/${shake}/files?limit=${LIMIT}`;
        judge = (answer, where) =>
          checkPage(where, page(answer), caller, answer.at, (post) => ({ can: post.shake === shake, must: post.shake === shake }));
        break;
      }
      case 'incoming':
        path = `/api/v1/incoming?limit=${LIMIT}`;
        judge = (answer, where) =>
          checkPage(where, page(answer), caller, answer.at, (post) => ({ can: !post.parentKey, must: !post.parentKey }));
        break;
      case 'tag': {
        const tag = TAGS[Math.floor(rng() * TAGS.length)];
        path = `/api/v1/tags/${tag}?limit=${LIMIT}`;
        judge = (answer, where) =>
          checkPage(where, page(answer), caller, answer.at, (post) =>
            post.parentKey
              ? { can: false, must: false }
              : triOf(post.description.admissible(answer.at).map((d) => tagsOf(d).includes(tag))),
          );
        break;
      }
      case 'popular':
        path = `/api/v1/popular?limit=${LIMIT}`;
        judge = (answer, where) => checkPage(where, page(answer), caller, answer.at, null);
        break;
      case 'magic':
        path = `/api/v1/magic?limit=${LIMIT}`;
        judge = (answer, where) => checkPage(where, page(answer), caller, answer.at, null);
        break;
      case 'search':
        path = `/api/v1/search?q=${WORD}&limit=50`;
        judge = (answer, where) => checkPage(where, page(answer), caller, answer.at, null, true);
        break;
      case 'searchShakes':
        path = `/api/v1/search?type=shakes&q=${actors[Math.floor(rng() * actors.length)].username.slice(0, 6)}`;
        judge = (answer, where) => {
          for (const hit of (answer.body as { items: ShakeJson[] }).items) checkShake(where, hit, caller, answer.at);
        };
        break;
      case 'shake': {
        const shake = someShake();
        path = `/api/v1/shakes/${shake}`;
        judge = (answer, where) => checkShake(where, answer.body as ShakeJson, caller, answer.at);
        break;
      }
      case 'user': {
        const user = actors[Math.floor(rng() * actors.length)];
        path = `/api/v1/users/${user.username}`;
        judge = (answer, where) => {
          const keys = Object.keys(answer.body as object).sort();
          if (keys.join() !== 'createdAt,shake,username') violate(`${where}: a profile with ${keys.join()}`);
        };
        break;
      }
      case 'likes': {
        const user = actors[Math.floor(rng() * actors.length)];
        path = `/api/v1/users/${user.username}/likes?limit=${LIMIT}`;
        judge = (answer, where) => checkPage(where, page(answer), caller, answer.at, null);
        break;
      }
      case 'timeline':
        path = `/api/v1/timeline?limit=${LIMIT}`;
        judge = (answer, where) => checkPage(where, page(answer), caller, answer.at, null);
        break;
      case 'me':
        path = '/api/v1/me';
        judge = (answer, where) => {
          const me = answer.body as { username: string; email: string; showNsfw: boolean };
          if (me.username !== caller!.username || me.email !== caller!.email) violate(`${where}: /me of someone else`);
          if (!caller!.showNsfw.admissible(answer.at).includes(me.showNsfw)) violate(`${where}: showNsfw ${me.showNsfw} is stale`);
        };
        break;
      case 'following':
        path = `/api/v1/me/following?limit=${LIMIT}`;
        judge = (answer, where) => {
          const items = (answer.body as { items: { shake: ShakeJson }[] }).items;
          const shown = new Set(items.map((item) => item.shake.name));
          for (const item of items) {
            checkShake(where, item.shake, caller, answer.at);
            if (!following(caller!, item.shake.name, answer.at).includes(true)) violate(`${where}: lists ${item.shake.name}, not followed`);
          }
          for (const [name, reg] of caller!.follows) {
            if (!shown.has(name) && !reg.admissible(answer.at).includes(false)) violate(`${where}: ${name} missing (stale)`);
          }
        };
        break;
      default:
        throw new Error(kind);
    }
    const answer = await send(app, 'GET', path, { auth });
    const where = `GET ${path} as ${caller?.username ?? 'anonymous'} via ${app === bases[0] ? 'a' : 'b'}`;
    const cache = answer.headers.get('x-cache') as keyof typeof cacheOutcomes | null;
    if (cache) cacheOutcomes[cache]++;
    judgeLater(answer, () => {
      // A search that needs more database time than SEARCH_TIMEOUT_MS is refused (503): no data, nothing stale.
      if (kind.startsWith('search') && answer.status === 503) return void searchRefusals++;
      if (answer.status !== 200 && !(kind === 'file' && answer.status === 404))
        return violate(`${where}: ${answer.status} ${answer.text.slice(0, 200)}`);
      checkNoOthersData(where, answer, caller);
      if (cache && caller && answer.headers.get('cache-control') !== 'private, no-cache') violate(`${where}: signed-in answer not private`);
      const nsfwList = ['shakeFiles', 'incoming', 'tag', 'popular', 'magic', 'search'].includes(kind);
      if (nsfwList && caller && showsNsfw(caller, answer.at).must && cache !== 'BYPASS')
        violate(`${where}: opted-in caller got X-Cache ${cache}`);
      judge(answer, where);
    });
    return true;
  }

  // ---- writes ----
  function newPost(body: FileJson, at: Window, extra: { parentKey: string | null; originalKey: string | null; source: string }): PostModel {
    const post: PostModel = {
      key: body.key,
      owner: body.owner.username,
      shake: body.shake,
      createdAtMs: Date.parse(body.createdAt),
      created: at,
      title: new Register(body.title),
      description: new Register(body.description),
      deleted: new Register(false),
      ...extra,
    };
    posts.set(post.key, post);
    if (!sources.has(post.source)) sources.set(post.source, new Register(false));
    return post;
  }

  async function upload(app: string, actor: Actor, n: number, tag: string, call = send): Promise<Answer> {
    const form = new FormData();
    const image = await png(8 + (n % 7), 8, { r: n % 256, g: Math.floor(n / 256) % 256, b: 77 });
    form.append('title', `t${n}`);
    form.append('description', `${WORD} #${tag} n${n}`);
    form.append('file', new Blob([image], { type: 'image/png' }), 'mixed.png');
    const answer = await call(app, 'POST', '/api/v1/files', { auth: actor.auth, form, write: true });
    if (answer.status === 201)
      newPost(answer.body as FileJson, answer.at, { parentKey: null, originalKey: null, source: (answer.body as FileJson).key });
    return answer;
  }

  const expect2xx = (answer: Answer, where: string, also: number[] = []) => {
    if ((answer.status < 200 || answer.status >= 300) && !also.includes(answer.status))
      violate(`${where}: ${answer.status} ${answer.text.slice(0, 200)}`);
  };

  /** One write step; false if there was nothing to do it to. */
  async function write(kind: string, app: string, actor: Actor, rng: () => number): Promise<boolean> {
    const sent: Answer[] = [];
    const call = async (...args: Parameters<typeof send>) => {
      const answer = await send(...args);
      sent.push(answer);
      return answer;
    };
    try {
      await writeStep(kind, app, actor, rng, call);
    } finally {
      for (const answer of sent) settle(answer);
    }
    return sent.length > 0;
  }

  async function writeStep(kind: string, app: string, actor: Actor, rng: () => number, call: typeof send): Promise<void> {
    const all = [...posts.values()];
    const nowish = { start: clock, end: clock + 1 };
    const pick = (filter: (post: PostModel) => boolean) => {
      const found = all.filter(filter);
      return found.length ? found[Math.floor(rng() * found.length)] : undefined;
    };
    const maybeLive = (post: PostModel) => live(post, nowish).must;
    const where = (what: string) => `${what} by ${actor.username}`;
    switch (kind) {
      case 'like': {
        const post = pick((p) => p.owner !== actor.username && maybeLive(p));
        if (!post) return;
        const answer = await call(app, 'PUT', `/api/v1/files/${post.key}/like`, { auth: actor.auth, write: true });
        if (answer.status === 204) {
          regOf(actor.likes, post.key).set(answer.at, true);
          const original = post.originalKey ? posts.get(post.originalKey) : undefined;
          if (original && original.owner !== actor.username) regOf(actor.likes, original.key).set(answer.at, true);
        } else expect2xx(answer, where(`like ${post.key}`), live(post, answer.at).must ? [] : [404]);
        return;
      }
      case 'unlike': {
        const liked = [...actor.likes.entries()].filter(
          ([key, reg]) => reg.admissible(nowish).includes(true) && maybeLive(posts.get(key)!),
        );
        if (!liked.length) return;
        const [key] = liked[Math.floor(rng() * liked.length)];
        const answer = await call(app, 'DELETE', `/api/v1/files/${key}/like`, { auth: actor.auth, write: true });
        if (answer.status === 204) regOf(actor.likes, key).set(answer.at, false);
        else expect2xx(answer, where(`unlike ${key}`), live(posts.get(key)!, answer.at).must ? [] : [404]);
        return;
      }
      case 'save': {
        const post = pick(
          (p) => p.owner !== actor.username && (!p.originalKey || posts.get(p.originalKey)!.owner !== actor.username) && maybeLive(p),
        );
        if (!post) return;
        const answer = await call(app, 'POST', `/api/v1/files/${post.key}/save`, { auth: actor.auth, json: {}, write: true });
        const body = answer.body as FileJson;
        if (answer.status === 201) {
          newPost(body, answer.at, { parentKey: post.key, originalKey: post.originalKey ?? post.key, source: post.source });
        } else if (answer.status === 200) {
          const known = posts.get(body.key);
          if (!known || known.parentKey !== post.key || known.owner !== actor.username || !live(known, answer.at).can)
            violate(`${where(`save ${post.key}`)}: 200 with ${body.key}, not a live save of it`);
        } else expect2xx(answer, where(`save ${post.key}`), live(post, answer.at).must ? [] : [404]);
        return;
      }
      case 'follow':
      case 'unfollow': {
        const shakes = [...actors.map((a) => a.username), ...groupShakes.map((g) => g.name)].filter((name) => !actor.canPost.has(name));
        const shake = shakes[Math.floor(rng() * shakes.length)];
        const answer = await call(app, kind === 'follow' ? 'PUT' : 'DELETE', `/api/v1/shakes/${shake}/follow`, {
          auth: actor.auth,
          write: true,
        });
        if (answer.status === 204) regOf(actor.follows, shake).set(answer.at, kind === 'follow');
        else expect2xx(answer, where(`${kind} ${shake}`));
        return;
      }
      case 'nsfwOptIn': {
        const next = !actor.showNsfw.admissible(nowish)[0];
        const answer = await call(app, 'PATCH', '/api/v1/me', { auth: actor.auth, json: { showNsfw: next }, write: true });
        if (answer.status === 200) actor.showNsfw.set(answer.at, next);
        else expect2xx(answer, where('PATCH /me'));
        return;
      }
      case 'upload': {
        const n = ++uploadsMade;
        expect2xx(await upload(app, actor, 1000 + n, TAGS[Math.floor(rng() * TAGS.length)], call), where('upload'));
        return;
      }
      case 'edit':
      case 'markNsfw':
      case 'delete': {
        const post = pick((p) => p.owner === actor.username && maybeLive(p));
        if (!post) return;
        const path = `/api/v1/files/${post.key}`;
        if (kind === 'delete') {
          const answer = await call(app, 'DELETE', path, { auth: actor.auth, write: true });
          if (answer.status === 204) post.deleted.set(answer.at, true);
          else expect2xx(answer, where(`delete ${post.key}`));
        } else if (kind === 'markNsfw') {
          const answer = await call(app, 'PATCH', path, { auth: actor.auth, json: { nsfw: true }, write: true });
          if (answer.status === 200) sources.get(post.source)!.set(answer.at, true);
          else expect2xx(answer, where(`mark ${post.key}`));
        } else {
          const n = Math.floor(rng() * 1e6);
          const changes = { title: `e${n}`, description: `${WORD} #${TAGS[n % TAGS.length]} e${n}` };
          const answer = await call(app, 'PATCH', path, { auth: actor.auth, json: changes, write: true });
          if (answer.status === 200) {
            post.title.set(answer.at, changes.title);
            post.description.set(answer.at, changes.description);
          } else expect2xx(answer, where(`edit ${post.key}`));
        }
        return;
      }
      default:
        throw new Error(kind);
    }
  }

  function regOf(map: Map<string, Register<boolean>>, key: string): Register<boolean> {
    let reg = map.get(key);
    if (!reg) map.set(key, (reg = new Register(false)));
    return reg;
  }

  /** Weighted choice: [kind, weight] pairs. */
  function choose(rng: () => number, table: [string, number][]): string {
    let r = rng() * table.reduce((sum, [, w]) => sum + w, 0);
    for (const [kind, w] of table) if ((r -= w) < 0) return kind;
    return table[table.length - 1][0];
  }
  const ANONYMOUS_READS: [string, number][] = [
    ['file', 30],
    ['shakeFiles', 16],
    ['incoming', 10],
    ['tag', 10],
    ['shake', 10],
    ['user', 5],
    ['search', 7],
    ['searchShakes', 2],
    ['popular', 4],
    ['magic', 2],
    ['likes', 4],
  ];
  const SIGNED_IN: [string, number][] = [
    ...ANONYMOUS_READS,
    ['timeline', 6],
    ['me', 3],
    ['following', 4],
    ['like', 8],
    ['unlike', 3],
    ['save', 5],
    ['follow', 5],
    ['unfollow', 2],
    ['nsfwOptIn', 3],
    ['upload', 2.5],
    ['edit', 3],
    ['markNsfw', 0.6],
    ['delete', 1.5],
  ];
  const WRITES = new Set(['like', 'unlike', 'save', 'follow', 'unfollow', 'nsfwOptIn', 'upload', 'edit', 'markNsfw', 'delete']);

  /** Shared entries hold only what an anonymous caller gets: no viewer, no email, no me-data, no NSFW list item. */
  async function checkSharedEntries(): Promise<void> {
    const redis = ctx.redisClient();
    try {
      const keys = await ctx.redisKeys(`${ctx.prefix}:http:*`);
      for (let i = 0; i < keys.length; i += 200) {
        const values = await redis.mget(...keys.slice(i, i + 200));
        for (const value of values) {
          if (value === null) continue;
          entriesChecked++;
          const body = value.slice(value.indexOf('\n') + 1);
          if (/"viewer"|@example\.com|"showNsfw"|"email"/.test(body)) violate(`shared entry holds private data: ${body.slice(0, 200)}`);
          if (body.startsWith('{"items"') || body.includes('"items":[')) {
            const items = (JSON.parse(body) as { items?: { nsfw?: boolean; key?: string }[] }).items ?? [];
            for (const item of items) if (item.nsfw) violate(`shared list entry holds NSFW ${item.key}`, item.key);
          }
        }
      }
    } finally {
      await redis.quit();
    }
  }

  /**
   * The embedded FerretDB runs an update as a read then a write of the whole document, so two concurrent updates of
   * one post (an edit or an NSFW mark, and a counter job storing a count) can lose one of them: the database itself
   * then holds the older title, description or nsfw flag, and every fresh read shows it. That is not the cache's
   * doing (MongoDB updates a document atomically), so a stale read of a post whose stored document differs from
   * the last acknowledged write is counted apart, as lost by the database, and reported in the figures.
   */
  async function separateLostByDatabase(): Promise<void> {
    const keys = [...new Set(violations.flatMap((v) => (v.post ? [v.post] : [])))];
    if (keys.length === 0) return;
    const connection = await mongoose.createConnection(mongoUriFor(ctx.database)).asPromise();
    try {
      const stored = await connection
        .collection('shared_files')
        .find({ key: { $in: keys } })
        .toArray();
      const lost = new Set(
        stored
          .filter((doc) => {
            const post = posts.get(doc.key as string)!;
            return (
              doc.title !== post.title.last() ||
              doc.description !== post.description.last() ||
              doc.nsfw !== sources.get(post.source)!.last() ||
              (doc.deletedAt !== null) !== post.deleted.last()
            );
          })
          .map((doc) => doc.key as string),
      );
      const kept = violations.filter((v) => !v.post || !lost.has(v.post));
      lostByDatabase.push(...violations.filter((v) => v.post && lost.has(v.post)));
      violations.splice(0, violations.length, ...kept);
    } finally {
      await connection.close();
    }
  }

  let apps: NestExpressApplication[] = [];

  beforeAll(async () => {
    const a = await ctx.startApp({ MALTED_MODE: 'api' });
    const b = await ctx.startApp({ MALTED_MODE: 'api' });
    await ctx.startApp({ MALTED_MODE: 'worker' });
    apps = [a, b];
    for (const app of apps) {
      await app.listen(0, '127.0.0.1');
      bases.push(`http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`);
    }
    const rng = randomSource(SEED);
    for (let i = 0; i < USERS; i++) {
      const username = `m${SEED.toString(36)}${i}${Math.floor(rng() * 1e6).toString(36)}`.slice(0, 20).toLowerCase();
      const email = `${username}@example.com`;
      const res = await send(bases[i % 2], 'POST', '/api/v1/auth/register', {
        json: { username, email, password: `pw-${username}-secret` },
      });
      if (res.status !== 201) throw new Error(`register ${res.status} ${res.text}`);
      const token = (res.body as { token: string }).token;
      actors.push({
        index: i,
        username,
        email,
        auth: `Bearer ${token}`,
        showNsfw: new Register(false),
        likes: new Map(),
        follows: new Map(),
        canPost: new Set([username]),
      });
    }
    for (let g = 0; g < 2; g++) {
      const owner = actors[g];
      const name = `mixgroup${g}${SEED.toString(36)}`.slice(0, 25);
      const res = await send(bases[0], 'POST', '/api/v1/shakes', { auth: owner.auth, json: { name, title: `Group ${g}` } });
      if (res.status !== 201) throw new Error(`shake ${res.status} ${res.text}`);
      groupShakes.push({ name, owner });
      owner.canPost.add(name);
    }
    // One post each; a fifth of the users opted in to NSFW files, and a few posts are marked.
    for (const actor of actors) {
      const res = await upload(bases[actor.index % 2], actor, actor.index, TAGS[actor.index % TAGS.length]);
      settle(res);
      if (res.status !== 201) throw new Error(`upload ${res.status} ${res.text}`);
      if (actor.index % 5 === 0) {
        const me = await send(bases[0], 'PATCH', '/api/v1/me', { auth: actor.auth, json: { showNsfw: true }, write: true });
        actor.showNsfw.set(me.at, true);
        settle(me);
      }
    }
    for (const post of [...posts.values()].filter((_, i) => i % 9 === 4)) {
      const res = await send(bases[1], 'PATCH', `/api/v1/files/${post.key}`, {
        auth: userOf(post.owner)!.auth,
        json: { nsfw: true },
        write: true,
      });
      if (res.status !== 200) throw new Error(`mark ${res.status} ${res.text}`);
      sources.get(post.source)!.set(res.at, true);
      settle(res);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
    requests = 0;
    statuses.clear();
  });
  afterAll(() => ctx.close());

  it(`answers ${REQUESTS} interleaved reads and writes with no other user's data or state and no stale read`, async () => {
    const startedAt = Date.now();
    const perLane = Math.ceil(REQUESTS / CONCURRENCY);
    let running = true;
    const sampler = (async () => {
      while (running) {
        await new Promise((resolve) => setTimeout(resolve, 15_000));
        if (process.env.MIXED_PROGRESS)
          appendFileSync(
            process.env.MIXED_PROGRESS,
            `${new Date().toISOString()} ${requests} requests, ${pending.length} pending, ${inFlight.size} in flight, ${violations.length} violations ${violations
              .slice(0, 3)
              .map((v) => v.what)
              .join(' | ')}\n`,
          );
        if (running) await checkSharedEntries();
      }
    })();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, lane) => {
        const rng = randomSource(SEED * 31 + lane);
        const mine = actors.filter((actor) => actor.index % CONCURRENCY === lane);
        for (let sent = 0; sent < perLane;) {
          const app = bases[Math.floor(rng() * 2)];
          const caller = rng() < 0.3 ? undefined : mine[Math.floor(rng() * mine.length)];
          const kind = choose(rng, caller ? SIGNED_IN : ANONYMOUS_READS);
          if (WRITES.has(kind) ? await write(kind, app, caller!, rng) : await judgeRead(kind, app, caller, rng)) sent++;
        }
      }),
    );
    running = false;
    await sampler;
    drain();
    await checkSharedEntries();
    await separateLostByDatabase();
    const seconds = (Date.now() - startedAt) / 1000;
    const looked = cacheOutcomes.HIT + cacheOutcomes.MISS + cacheOutcomes.BYPASS;
    const figures = {
      seed: SEED,
      requests,
      seconds,
      violations: violations.length,
      lostByDatabase: { posts: new Set(lostByDatabase.map((v) => v.post)).size, reads: lostByDatabase.length },
      searchRefusals,
      cache: cacheOutcomes,
      hitRatio: cacheOutcomes.HIT / looked,
      sharedHitRatio: cacheOutcomes.HIT / (cacheOutcomes.HIT + cacheOutcomes.MISS),
      entriesChecked,
      posts: posts.size,
      statuses: Object.fromEntries([...statuses].sort()),
    };
    process.stdout.write(`cache under mixed traffic: ${JSON.stringify(figures, null, 1)}\n`);
    expect(pending).toEqual([]);
    expect(violations.map((v) => v.what)).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(REQUESTS);
    expect(cacheOutcomes.HIT).toBeGreaterThan(0);
    expect(entriesChecked).toBeGreaterThan(0);
  });

  it('hides from a list for callers who did not opt in a post whose source is NSFW before the post itself says so', async () => {
    // The moment inside an NSFW mark (PATCH /files/:key {nsfw: true}) after the source is written and before its
    // posts are: the mixed traffic above caught an anonymous /incoming showing a post with `nsfw: true` there.
    const owner = actors[1];
    const optedIn = actors.find((actor) => actor.showNsfw.last() && actor !== owner)!;
    const other = actors.find((actor) => !actor.showNsfw.last() && actor !== owner)!;
    const tag = 'midmark';
    const form = new FormData();
    form.append('description', `#${tag}`);
    form.append('file', new Blob([await png(9, 13, { r: 1, g: 2, b: 3 })], { type: 'image/png' }), 'mid.png');
    const uploaded = await send(bases[0], 'POST', '/api/v1/files', { auth: owner.auth, form });
    expect(uploaded.status).toBe(201);
    const key = (uploaded.body as FileJson).key;
    const connection = await mongoose.createConnection(mongoUriFor(ctx.database)).asPromise();
    try {
      const post = await connection.collection('shared_files').findOne({ key });
      await connection.collection('source_files').updateOne({ _id: post!.sourceId }, { $set: { nsfw: true } });
    } finally {
      await connection.close();
    }
    // A query no earlier read used: a miss, read from the database now.
    const lists = [`/api/v1/incoming?limit=97`, `/api/v1/shakes/${owner.username}/files?limit=97`, `/api/v1/tags/${tag}?limit=97`];
    for (const path of lists) {
      for (const auth of [undefined, other.auth]) {
        const answer = await send(bases[1], 'GET', path, { auth });
        expect([path, answer.status, (answer.body as PageJson).items.filter((item) => item.key === key)]).toEqual([path, 200, []]);
      }
      const mine = await send(bases[1], 'GET', path, { auth: optedIn.auth });
      expect([path, (mine.body as PageJson).items.find((item) => item.key === key)?.nsfw]).toEqual([path, true]);
    }
  });
});
