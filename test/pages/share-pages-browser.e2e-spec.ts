import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import request from 'supertest';
import { png } from '../harness/images';
import { settleQueues } from '../harness/jobs';
import { freePort } from '../harness/servers';
import { TestContext, type TestUser } from '../harness/test-app';

/** Debian's chromium (never a downloaded browser); .ci/run installs it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-sync',
];
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('share pages in a real Chromium', () => {
  const ctx = new TestContext(__filename);
  let app: NestExpressApplication;
  let origin: string;
  let alice: TestUser;
  let tempDir: string;
  let browser: BrowserContext;
  let page: Page;
  const keys: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    app = await ctx.startApp({ PUBLIC_URL: origin });
    await app.listen(port, '127.0.0.1');
    alice = await ctx.newUser(app);
    for (const [i, color] of [
      { r: 230, g: 120, b: 20 },
      { r: 20, g: 90, b: 200 },
    ].entries()) {
      const res = await request(origin)
        .post('/api/v1/files')
        .set('Authorization', alice.auth)
        .field('title', `Picture ${i + 1}`)
        .field('altText', `A plain ${i === 0 ? 'orange' : 'blue'} rectangle`)
        .attach('file', await png(320, 240, color), { filename: 'a.png', contentType: 'image/png' })
        .expect(201);
      keys.push(res.body.key as string);
    }
    await settleQueues(app); // the thumbnails the shake page shows
    tempDir = await mkdtemp(join(tmpdir(), 'malted-pages-browser-'));
    browser = await chromium.launchPersistentContext(join(tempDir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      javaScriptEnabled: false, // the pages need none
    });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await ctx.close();
    await rm(tempDir, { recursive: true, force: true });
  });

  /** What the browser made of each image (this project compiles without the DOM types). */
  const loadedImages = (selector: string) =>
    page.$$eval(selector, (images) =>
      (images as unknown as { complete: boolean; naturalWidth: number; alt: string }[]).map((img) => ({
        complete: img.complete,
        naturalWidth: img.naturalWidth,
        alt: img.alt,
      })),
    );

  it('shows the file with its alt text, without JavaScript, and takes a screenshot of it', async () => {
    const res = await page.goto(`${origin}/p/${keys[0]}`);
    expect(res?.status()).toBe(200);
    await page.waitForLoadState('load');
    expect(await page.title()).toContain('Picture 1');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Picture 1');
    expect(await loadedImages('main figure img')).toEqual([{ complete: true, naturalWidth: 320, alt: 'A plain orange rectangle' }]);
    expect(await page.getByRole('img', { name: 'A plain orange rectangle' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: alice.username }).first().getAttribute('href')).toBe(`/${alice.username}`);

    const screenshot = join(tempDir, 'file-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(1000);
    expect((await readFile(screenshot)).subarray(0, 8)).toEqual(PNG_SIGNATURE);
  });

  it("lists the shake's files, each thumbnail shown with its alt text, and links to each file's page", async () => {
    const res = await page.goto(`${origin}/${alice.username}`);
    expect(res?.status()).toBe(200);
    await page.waitForLoadState('load');
    await page.waitForFunction("[...document.querySelectorAll('.files img')].every((img) => img.complete)");
    expect(await loadedImages('.files img')).toEqual([
      { complete: true, naturalWidth: 200, alt: 'A plain blue rectangle' },
      { complete: true, naturalWidth: 200, alt: 'A plain orange rectangle' },
    ]);
    const screenshot = join(tempDir, 'shake-page.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await readFile(screenshot)).subarray(0, 8)).toEqual(PNG_SIGNATURE);

    await page.getByRole('link', { name: /Picture 1/ }).click();
    await page.waitForURL(`${origin}/p/${keys[0]}`);
    expect(await loadedImages('main figure img')).toEqual([{ complete: true, naturalWidth: 320, alt: 'A plain orange rectangle' }]);
  });

  it('shows a 404 page for a file that is gone', async () => {
    await request(origin).delete(`/api/v1/files/${keys[1]}`).set('Authorization', alice.auth).expect(204);
    const res = await page.goto(`${origin}/p/${keys[1]}`);
    expect(res?.status()).toBe(404);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not found');
  });
});
