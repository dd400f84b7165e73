import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Model } from 'mongoose';
import { type HTMLElement, parse } from 'node-html-parser';
import request from 'supertest';
import type { SharedFile } from '../../src/files/schemas/shared-file.schema';
import type { SourceFile } from '../../src/files/schemas/source-file.schema';
import { UsersService } from '../../src/users/users.service';
import { makeAdmin } from '../harness/admins';
import { png, randomColor } from '../harness/images';
import { settleQueues } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { freePort } from '../harness/servers';
import { TestContext, type TestUser } from '../harness/test-app';

/** The Open Graph and Twitter tags of a page, by property or name (the first of each). */
function metaOf(doc: HTMLElement): Map<string, string> {
  const tags = new Map<string, string>();
  for (const meta of doc.querySelectorAll('meta')) {
    const key = meta.getAttribute('property') ?? meta.getAttribute('name');
    const content = meta.getAttribute('content');
    if (key && content !== undefined && !tags.has(key)) tags.set(key, content);
  }
  return tags;
}

describe('share pages and link previews', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let origin: string;
  let alice: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let key: string;

  const http = () => request(origin);
  /** Fetches an absolute URL of the site, which must be on PUBLIC_URL. */
  const fetchAbsolute = (url: string) => {
    expect(url.startsWith(`${origin}/`)).toBe(true);
    return http().get(url.slice(origin.length));
  };

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await ctx.startApp({ PUBLIC_URL: origin, SITE_NAME: 'Malted "test" & co' });
    await app.listen(port, '127.0.0.1');
    alice = await ctx.newUser(app);
    bob = await ctx.newUser(app);
    admin = await ctx.newUser(app);
    await makeAdmin(app, admin.username);
    ({ key } = await uploadAs(app, alice, {
      title: 'Sunset <b>over</b> "the" bay',
      description: 'Taken from the pier & tagged #sunsets',
      altText: 'An orange sun sinking into a calm sea',
    }));
    await settleQueues(app);
  });

  afterAll(() => ctx.close());

  it('renders a small page with the image, its alt text, the title, owner, shake, counts and links', async () => {
    const res = await http().get(`/p/${key}`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).not.toContain('<script');
    const doc = parse(res.text);
    expect(doc.querySelector('title')?.text).toBe(`Sunset <b>over</b> "the" bay · ${alice.username} · Malted "test" & co`);
    expect(doc.querySelector('h1')?.text).toBe('Sunset <b>over</b> "the" bay');
    expect(doc.querySelector('h1 b')).toBeNull(); // escaped, not markup
    const img = doc.querySelector('main img')!;
    expect(img.getAttribute('src')).toBe(`/r/${key}`);
    expect(img.getAttribute('alt')).toBe('An orange sun sinking into a calm sea');
    expect([img.getAttribute('width'), img.getAttribute('height')]).toEqual(['8', '8']);
    const links = doc.querySelectorAll('main a').map((a) => a.getAttribute('href'));
    expect(links).toEqual(expect.arrayContaining([`/r/${key}`, `/${alice.username}`]));
    expect(doc.querySelector('.description')?.text).toBe('Taken from the pier & tagged #sunsets');
    expect(doc.querySelectorAll('.counts li').map((li) => li.text)).toEqual(['0 likes', '0 saves', '0 views', '0 comments']);
  });

  it('has Open Graph and Twitter tags whose every URL is absolute on PUBLIC_URL and answers with the right type', async () => {
    const doc = parse((await http().get(`/p/${key}`).expect(200)).text);
    const meta = metaOf(doc);
    expect(Object.fromEntries(meta)).toMatchObject({
      'og:type': 'website',
      'og:site_name': 'Malted "test" & co',
      'og:title': 'Sunset <b>over</b> "the" bay',
      'og:description': 'Taken from the pier & tagged #sunsets',
      'og:url': `${origin}/p/${key}`,
      'og:image': `${origin}/r/${key}`,
      'og:image:type': 'image/png',
      'og:image:width': '8',
      'og:image:height': '8',
      'og:image:alt': 'An orange sun sinking into a calm sea',
      'twitter:card': 'summary_large_image',
      'twitter:title': 'Sunset <b>over</b> "the" bay',
      'twitter:image': `${origin}/r/${key}`,
      'twitter:image:alt': 'An orange sun sinking into a calm sea',
    });
    expect(doc.querySelector('link[rel=canonical]')?.getAttribute('href')).toBe(`${origin}/p/${key}`);

    const image = await fetchAbsolute(meta.get('og:image')!).expect(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(Number(image.headers['content-length'])).toBeGreaterThan(0);
    expect((await fetchAbsolute(meta.get('twitter:image')!).expect(200)).headers['content-type']).toBe('image/png');
    expect((await fetchAbsolute(meta.get('og:url')!).expect(200)).headers['content-type']).toBe('text/html; charset=utf-8');

    const heads = doc.querySelectorAll('head link[rel=alternate]').map((link) => [link.getAttribute('type')!, link.getAttribute('href')!]);
    expect(heads.map(([type]) => type)).toEqual([
      'application/json+oembed',
      'application/rss+xml',
      'application/atom+xml',
      'application/feed+json',
    ]);
    const answers: Record<string, string> = {
      'application/json+oembed': 'application/json; charset=utf-8',
      'application/rss+xml': 'application/rss+xml; charset=utf-8',
      'application/atom+xml': 'application/atom+xml; charset=utf-8',
      'application/feed+json': 'application/feed+json; charset=utf-8',
    };
    for (const [type, href] of heads) {
      expect((await fetchAbsolute(href).expect(200)).headers['content-type']).toBe(answers[type]);
    }
  });

  it('serves oEmbed, found from the page: a photo within maxwidth and maxheight, as application/json', async () => {
    const doc = parse((await http().get(`/p/${key}`).expect(200)).text);
    const discovery = doc.querySelector('link[type="application/json+oembed"]')!.getAttribute('href')!;
    expect(discovery).toBe(`${origin}/oembed?url=${encodeURIComponent(`${origin}/p/${key}`)}&format=json`);
    const res = await fetchAbsolute(discovery).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      type: 'photo',
      version: '1.0',
      title: 'Sunset <b>over</b> "the" bay',
      author_name: alice.username,
      author_url: `${origin}/${alice.username}`,
      provider_name: 'Malted "test" & co',
      provider_url: origin,
      cache_age: 3600,
      url: `${origin}/r/${key}`,
      width: 8,
      height: 8,
      thumbnail_url: `${origin}/t/${key}`,
      thumbnail_width: 200,
      thumbnail_height: 200,
    });
    expect((await fetchAbsolute(res.body.url as string).expect(200)).headers['content-type']).toBe('image/png');
    expect((await fetchAbsolute(res.body.thumbnail_url as string).expect(200)).headers['content-type']).toBe('image/webp');

    const boxed = await http()
      .get('/oembed')
      .query({ url: `${origin}/p/${key}`, maxwidth: 4, maxheight: 6 })
      .expect(200);
    expect([boxed.body.width, boxed.body.height]).toEqual([4, 4]);

    await http()
      .get('/oembed')
      .query({ url: `${origin}/p/${key}`, format: 'xml' })
      .expect(501);
    await http()
      .get('/oembed')
      .query({ url: `${origin}/p/AAAAAAAAAA` })
      .expect(404);
    await http()
      .get('/oembed')
      .query({ url: `https://elsewhere.example/p/${key}` })
      .expect(404);
    await http()
      .get('/oembed')
      .query({ url: `${origin}/${alice.username}` })
      .expect(404);
    await http()
      .get('/oembed')
      .query({ url: `${origin}/p/${key}`, maxwidth: 0 })
      .expect(400);
  });

  it('picks the 550-wide version for an oEmbed box it fits, and gives the thumbnail only when it fits', async () => {
    const wide = await http()
      .post('/api/v1/files')
      .set('Authorization', alice.auth)
      .attach('file', await png(1100, 600, randomColor()), { filename: 'wide.png', contentType: 'image/png' })
      .expect(201);
    await settleQueues(app);
    const url = `${origin}/p/${wide.body.key as string}`;
    const whole = (await http().get('/oembed').query({ url }).expect(200)).body;
    expect([whole.url, whole.width, whole.height]).toEqual([`${origin}/r/${wide.body.key as string}`, 1100, 600]);
    expect([whole.thumbnail_url, whole.thumbnail_width, whole.thumbnail_height]).toEqual([
      `${origin}/t/${wide.body.key as string}`,
      200,
      200,
    ]);
    const small = (await http().get('/oembed').query({ url, maxwidth: 600 }).expect(200)).body;
    expect([small.url, small.width, small.height]).toEqual([`${origin}/s/${wide.body.key as string}`, 550, 300]);
    expect((await fetchAbsolute(small.url as string).expect(200)).headers['content-type']).toBe('image/webp');
    const tiny = (await http().get('/oembed').query({ url, maxwidth: 110 }).expect(200)).body;
    expect([tiny.url, tiny.width, tiny.height, tiny.thumbnail_url]).toEqual([`${origin}/s/${wide.body.key as string}`, 110, 60, undefined]);
  });

  it('caches the page like the API: MISS, then HIT with the same ETag, and 304 for If-None-Match or If-Modified-Since', async () => {
    const { key: fresh } = await uploadAs(app, alice, { title: 'cached' });
    const first = await http().get(`/p/${fresh}`).expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const second = await http().get(`/p/${fresh}`).expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.text).toBe(first.text);
    expect(second.headers['last-modified']).toBe(first.headers['last-modified']);
    await http()
      .get(`/p/${fresh}`)
      .set('If-None-Match', first.headers.etag as string)
      .expect(304);
    await http()
      .get(`/p/${fresh}`)
      .set('If-Modified-Since', first.headers['last-modified'] as string)
      .expect(304);

    await http().patch(`/api/v1/files/${fresh}`).set('Authorization', alice.auth).send({ title: 'renamed' }).expect(200);
    const edited = await http()
      .get(`/p/${fresh}`)
      .set('If-None-Match', first.headers.etag as string)
      .expect(200);
    expect(parse(edited.text).querySelector('h1')?.text).toBe('renamed');
  });

  it('says so on an NSFW file and puts no preview image in its tags, nor in its oEmbed', async () => {
    const { key: spicy } = await uploadAs(app, alice, { title: 'spicy' });
    await http().get(`/p/${spicy}`).expect(200); // cached before it is marked: the mark must make it fresh
    await http().patch(`/api/v1/files/${spicy}`).set('Authorization', alice.auth).send({ nsfw: true }).expect(200);
    const doc = parse((await http().get(`/p/${spicy}`).expect(200)).text);
    expect(doc.querySelector('.nsfw')?.text).toContain('NSFW');
    const meta = metaOf(doc);
    expect([...meta.keys()].filter((name) => name.includes('image'))).toEqual([]);
    expect(meta.get('twitter:card')).toBe('summary');
    expect(meta.get('og:description')).toMatch(/^NSFW/);
    const img = doc.querySelector('details img')!;
    expect(img.getAttribute('loading')).toBe('lazy'); // behind "Show the image": not loaded until opened
    const oembed = (
      await http()
        .get('/oembed')
        .query({ url: `${origin}/p/${spicy}` })
        .expect(200)
    ).body;
    expect(oembed.type).toBe('link');
    expect(oembed).not.toHaveProperty('url');
    expect(oembed).not.toHaveProperty('thumbnail_url');
  });

  it('answers 404 pages for a deleted file, never the cached preview, and for a disabled owner', async () => {
    const { key: doomed } = await uploadAs(app, bob, { title: 'doomed' });
    await http().get(`/p/${doomed}`).expect(200);
    expect((await http().get(`/p/${doomed}`).expect(200)).headers['x-cache']).toBe('HIT');
    await http().delete(`/api/v1/files/${doomed}`).set('Authorization', bob.auth).expect(204);
    const gone = await http().get(`/p/${doomed}`).expect(404);
    expect(gone.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(gone.headers['cache-control']).toBe('no-store');
    expect(parse(gone.text).querySelector('h1')?.text).toBe('Not found');
    expect(gone.text).not.toContain('doomed');
    await http()
      .get('/oembed')
      .query({ url: `${origin}/p/${doomed}` })
      .expect(404);
    await http().get('/p/not-a-key').expect(404);

    const { key: bobs } = await uploadAs(app, bob, { title: 'by bob' });
    await http().get(`/p/${bobs}`).expect(200);
    await http().get(`/${bob.username}`).expect(200);
    await http().patch(`/api/v1/admin/users/${bob.username}`).set('Authorization', admin.auth).send({ disabled: true }).expect(200);
    await http().get(`/p/${bobs}`).expect(404);
    await http().get(`/${bob.username}`).expect(404);
    await http().get(`/feeds/shakes/${bob.username}.rss`).expect(404);
  });

  it('shows no private detail of the owner: no address, internal id, hash or storage path', async () => {
    const user = await app.get(UsersService).getByUsername(alice.username);
    const post = await app.get<Model<SharedFile>>(getModelToken('SharedFile')).findOne({ key }).lean().orFail();
    const source = await app.get<Model<SourceFile>>(getModelToken('SourceFile')).findById(post.sourceId).lean().orFail();
    const secrets = [
      user.email,
      user._id.toHexString(),
      post._id.toHexString(),
      source._id.toHexString(),
      source.sha256,
      source.storageKey,
    ];
    const bodies = [
      (await http().get(`/p/${key}`).expect(200)).text,
      (await http().get(`/${alice.username}`).expect(200)).text,
      (
        await http()
          .get('/oembed')
          .query({ url: `${origin}/p/${key}` })
          .expect(200)
      ).text,
      ...(await Promise.all(
        ['rss', 'atom', 'json'].map(async (format) => (await http().get(`/feeds/shakes/${alice.username}.${format}`).expect(200)).text),
      )),
    ];
    for (const body of bodies) for (const secret of secrets) expect(body).not.toContain(secret);
  });

  it("lists a shake's files on its page, with its counts and feed links, and 404s for a shake that does not exist", async () => {
    const res = await http().get(`/${alice.username}`).expect(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const doc = parse(res.text);
    expect(doc.querySelector('h1')?.text).toBe(alice.username);
    const files = doc.querySelectorAll('.files li a').map((a) => a.getAttribute('href'));
    expect(files).toContain(`/p/${key}`);
    expect(doc.querySelector(`.files a[href="/p/${key}"] img`)?.getAttribute('alt')).toBe('An orange sun sinking into a calm sea');
    expect(doc.querySelectorAll('head link[rel=alternate]').map((link) => link.getAttribute('href'))).toEqual([
      `${origin}/feeds/shakes/${alice.username}.rss`,
      `${origin}/feeds/shakes/${alice.username}.atom`,
      `${origin}/feeds/shakes/${alice.username}.json`,
      `${origin}/feeds/likes/${alice.username}.rss`,
      `${origin}/feeds/likes/${alice.username}.atom`,
      `${origin}/feeds/likes/${alice.username}.json`,
    ]);
    const meta = metaOf(doc);
    expect(meta.get('og:url')).toBe(`${origin}/${alice.username}`);
    expect(meta.get('og:image')).toMatch(new RegExp(`^${origin}/r/[0-9A-Za-z]{10}$`));
    expect((await fetchAbsolute(meta.get('og:image')!).expect(200)).headers['content-type']).toMatch(/^image\//);
    expect((await http().get(`/${alice.username.toUpperCase()}`).expect(200)).text).toContain(`/p/${key}`);

    const missing = await http().get('/nobody-by-this-name').expect(404);
    expect(missing.headers['content-type']).toBe('text/html; charset=utf-8');
    await http().get(`/${alice.username}?before=not-a-cursor`).expect(400);
  });
});
