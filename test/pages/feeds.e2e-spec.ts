import type { NestExpressApplication } from '@nestjs/platform-express';
import { parse } from 'node-html-parser';
import Parser from 'rss-parser';
import request from 'supertest';
import { settleQueues } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { freePort } from '../harness/servers';
import { TestContext, type TestUser } from '../harness/test-app';

interface AtomLink {
  $: { rel?: string; href: string; type?: string; length?: string };
}
type Item = { id?: string; links?: AtomLink[] };

/** rss-parser reads RSS 2.0 and Atom; every <link> of an Atom entry is kept for its enclosures. */
const parser = new Parser<object, Item>({ customFields: { item: [['link', 'links', { keepArray: true }] as never] } });

interface Posted {
  key: string;
  size: number;
  createdAt: string;
}

describe('feeds', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let origin: string;
  let alice: TestUser;
  let bob: TestUser;
  const posted: Posted[] = []; // alice's, oldest first
  let nsfwKey: string;

  const http = () => request(origin);
  const post = async (fields: Record<string, string>) => (await uploadAs(app, alice, fields)) as unknown as Posted;

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await ctx.startApp({ PUBLIC_URL: origin });
    await app.listen(port, '127.0.0.1');
    alice = await ctx.newUser(app);
    bob = await ctx.newUser(app);
    posted.push(await post({ title: 'First cat', description: 'a #cat on a mat' }));
    posted.push(await post({ title: 'A dog', description: 'no tags here' }));
    nsfwKey = (await post({ title: 'Spicy cat', description: 'a #cat, NSFW' })).key;
    await http().patch(`/api/v1/files/${nsfwKey}`).set('Authorization', alice.auth).send({ nsfw: true }).expect(200);
    posted.push(await post({ title: 'Third <cat> & "friends"', description: 'more #cat <b>bold</b>' }));
    for (const { key } of [posted[0], posted[2]]) {
      await http().put(`/api/v1/files/${key}/like`).set('Authorization', bob.auth).expect(204);
    }
    await http().put(`/api/v1/files/${nsfwKey}/like`).set('Authorization', bob.auth).expect(204);
    await settleQueues(app);
  });

  afterAll(() => ctx.close());

  const newestFirst = () => [...posted].reverse();

  it("gives a shake's newest files in RSS 2.0, each with its page, date and image enclosed, NSFW left out", async () => {
    const res = await http().get(`/feeds/shakes/${alice.username}.rss`).expect(200);
    expect(res.headers['content-type']).toBe('application/rss+xml; charset=utf-8');
    const feed = await parser.parseString(res.text);
    expect(feed.title).toBe(`${alice.username} · Malted`);
    expect(feed.link).toBe(`${origin}/${alice.username}`);
    expect(feed.items.map((item) => item.link)).toEqual(newestFirst().map(({ key }) => `${origin}/p/${key}`));
    expect(res.text).not.toContain(nsfwKey);
    const [newest] = feed.items;
    expect(newest.guid).toBe(`${origin}/p/${posted[2].key}`);
    expect(newest.title).toBe('Third &lt;cat&gt; &amp; &quot;friends&quot;'); // HTML, as readers show titles
    expect(new Date(newest.pubDate!).getTime()).toBe(Math.floor(Date.parse(posted[2].createdAt) / 1000) * 1000);
    expect(newest.enclosure).toEqual({ url: `${origin}/r/${posted[2].key}`, type: 'image/png', length: String(posted[2].size) });
    const content = parse(newest.content!);
    expect(content.querySelector('img')?.getAttribute('src')).toBe(`${origin}/r/${posted[2].key}`);
    expect(content.querySelector('b')).toBeNull(); // the description is text, escaped
    expect(content.text).toContain('more #cat <b>bold</b>');

    const image = await http().get(`/r/${posted[2].key}`).expect(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(Number(image.headers['content-length'])).toBe(posted[2].size);
  });

  it('gives the same in Atom 1.0, with the enclosure typed', async () => {
    const res = await http().get(`/feeds/shakes/${alice.username}.atom`).expect(200);
    expect(res.headers['content-type']).toBe('application/atom+xml; charset=utf-8');
    const feed = await parser.parseString(res.text);
    expect(feed.items.map((item) => item.link)).toEqual(newestFirst().map(({ key }) => `${origin}/p/${key}`));
    const [newest] = feed.items;
    expect(newest.id).toBe(`${origin}/p/${posted[2].key}`);
    expect(newest.pubDate).toBe(posted[2].createdAt);
    expect(newest.links?.find((link) => link.$.rel === 'enclosure')?.$).toEqual({
      rel: 'enclosure',
      href: `${origin}/r/${posted[2].key}`,
      type: 'image/png',
      length: String(posted[2].size),
    });
    expect(feed.feedUrl).toBe(`${origin}/feeds/shakes/${alice.username}.atom`);
  });

  it('gives the same as a JSON Feed', async () => {
    const res = await http().get(`/feeds/shakes/${alice.username}.json`).expect(200);
    expect(res.headers['content-type']).toBe('application/feed+json; charset=utf-8');
    const feed = JSON.parse(res.text) as { version: string; feed_url: string; items: Record<string, string>[] };
    expect(feed.version).toBe('https://jsonfeed.org/version/1');
    expect(feed.feed_url).toBe(`${origin}/feeds/shakes/${alice.username}.json`);
    expect(feed.items.map((item) => item.url)).toEqual(newestFirst().map(({ key }) => `${origin}/p/${key}`));
    expect(feed.items[0]).toMatchObject({
      title: 'Third <cat> & "friends"',
      image: `${origin}/r/${posted[2].key}`,
      date_published: posted[2].createdAt,
    });
  });

  it('answers a reader that has the newest feed with 304, and a new file with the new feed at once', async () => {
    const first = await http().get(`/feeds/shakes/${alice.username}.rss`).expect(200);
    expect(first.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(first.headers['last-modified']).toBeDefined();
    await http()
      .get(`/feeds/shakes/${alice.username}.rss`)
      .set('If-None-Match', first.headers.etag as string)
      .expect(304);
    await http()
      .get(`/feeds/shakes/${alice.username}.rss`)
      .set('If-Modified-Since', first.headers['last-modified'] as string)
      .expect(304);

    const fresh = await post({ title: 'Brand new' });
    posted.push(fresh);
    const after = await http()
      .get(`/feeds/shakes/${alice.username}.rss`)
      .set('If-None-Match', first.headers.etag as string)
      .expect(200);
    expect((await parser.parseString(after.text)).items[0].link).toBe(`${origin}/p/${fresh.key}`);
  });

  it("gives a tag's newest originals, NSFW left out", async () => {
    const res = await http().get('/feeds/tags/cat.rss').expect(200);
    const feed = await parser.parseString(res.text);
    expect(feed.items.map((item) => item.link)).toEqual([posted[2].key, posted[0].key].map((key) => `${origin}/p/${key}`));
    await http().get('/feeds/tags/CAT.atom').expect(200);
    await http().get('/feeds/tags/no%20tag.rss').expect(404);
  });

  it("gives a user's likes, most recent like first, with 304 for a reader that has them", async () => {
    const res = await http().get(`/feeds/likes/${bob.username}.atom`).expect(200);
    const feed = await parser.parseString(res.text);
    expect(feed.items.map((item) => item.link)).toEqual([posted[2].key, posted[0].key].map((key) => `${origin}/p/${key}`));
    await http()
      .get(`/feeds/likes/${bob.username}.atom`)
      .set('If-None-Match', res.headers.etag as string)
      .expect(304);
    await http().put(`/api/v1/files/${posted[1].key}/like`).set('Authorization', bob.auth).expect(204);
    const after = await http()
      .get(`/feeds/likes/${bob.username}.atom`)
      .set('If-None-Match', res.headers.etag as string)
      .expect(200);
    expect((await parser.parseString(after.text)).items[0].link).toBe(`${origin}/p/${posted[1].key}`);
  });

  it('is found from the pages, and 404s for what does not exist', async () => {
    const doc = parse((await http().get(`/p/${posted[0].key}`).expect(200)).text);
    const feeds = doc.querySelectorAll('link[rel=alternate]').filter((link) => link.getAttribute('type') !== 'application/json+oembed');
    for (const link of feeds) {
      const res = await http().get(link.getAttribute('href')!.slice(origin.length)).expect(200);
      expect(res.headers['content-type']).toContain(link.getAttribute('type')!);
    }
    expect(feeds).toHaveLength(3);
    await http().get('/feeds/shakes/nobody-here.rss').expect(404);
    await http().get(`/feeds/shakes/${alice.username}.xml`).expect(404);
    await http().get('/feeds/likes/nobody-here.json').expect(404);
  });
});
