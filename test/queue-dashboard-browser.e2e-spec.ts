import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Job, Queue } from 'bull';
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ALL_QUEUE_NAMES, QUEUES } from '../src/jobs/queues';
import { makeAdmin } from './harness/admins';
import { uploadAs } from './harness/posts';
import { eventually } from './harness/servers';
import { TestContext, type TestUser } from './harness/test-app';

/** Debian's chromium (never a downloaded browser); .ci/run installs it. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('queue dashboard in a real Chromium', () => {
  const ctx = new TestContext(__filename);
  let storageDir: string;
  let profileDir: string;
  let api: NestExpressApplication;
  let base: string;
  let browser: BrowserContext;
  let page: Page;
  let attacker: Server;
  let attackerBase: string;
  let admin: TestUser;
  let someone: TestUser;
  let key: string;
  let failedJob: Job;

  beforeAll(async () => {
    storageDir = await mkdtemp(join(tmpdir(), 'malted-dashboard-files-'));
    profileDir = await mkdtemp(join(tmpdir(), 'malted-dashboard-chromium-'));
    const env = { STORAGE_DRIVER: 'local', STORAGE_LOCAL_DIR: storageDir };
    api = await ctx.startApp({ ...env, MALTED_MODE: 'api' });
    base = `http://127.0.0.1:${await listen(api.getHttpServer() as Server)}`;
    admin = await ctx.newUser(api);
    someone = await ctx.newUser(api);
    await makeAdmin(api, admin.username);

    // A real job that fails: its image's stored bytes are away while it runs (no worker yet).
    ({ key } = await uploadAs(api, admin));
    const files = api.get<Queue>(getQueueToken(QUEUES.files.name));
    const [queued] = (await files.getWaiting()).filter((job) => job.name === QUEUES.files.jobs.variants);
    await queued.remove();
    failedJob = await files.add(QUEUES.files.jobs.variants, queued.data, { attempts: 1, jobId: `variants-dashboard-${key}` });
    const [stored] = await readdir(storageDir);
    await rename(join(storageDir, stored), join(storageDir, `${stored}.away`));
    await ctx.startApp({ ...env, MALTED_MODE: 'worker' });
    await expect(failedJob.finished()).rejects.toThrow();
    await rename(join(storageDir, `${stored}.away`), join(storageDir, stored)); // back: a retry can succeed

    // Another origin of the same site (same host, another port): SameSite=Strict does not stop it.
    attacker = createServer((req, res) => {
      res.setHeader('Content-Type', 'text/html');
      res.end(`<!doctype html><title>attacker</title>
        <form id="add" method="POST" enctype="text/plain" action="${base}/admin/queues/api/queues/files/add">
          <input name='{"name":"purge","data":{},"x":"' value='"}'></form>
        <script>
          fetch('${base}/admin/queues/api/queues/files/add', { method: 'POST', mode: 'no-cors', credentials: 'include',
            headers: { 'Content-Type': 'text/plain' }, body: '{"name":"purge","data":{}}' })
            .finally(() => document.getElementById('add').submit());
        </script>`);
    });
    attackerBase = `http://127.0.0.1:${await listen(attacker)}`;

    browser = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => attacker?.close(resolve));
    await ctx.close();
    await rm(storageDir, { recursive: true, force: true });
    await rm(profileDir, { recursive: true, force: true });
  });

  const signInAs = async (user: TestUser) => {
    await page.goto(`${base}/admin/sign-in`);
    await page.fill('#token', user.token);
    await page.click('button[type=submit]');
  };

  it('refuses an anonymous visitor and shows nothing of the dashboard', async () => {
    const res = await page.goto(`${base}/admin/queues`);
    expect(res?.status()).toBe(401);
    expect(await page.content()).not.toContain('__UI_CONFIG__');
    await expect(page.getByRole('link', { name: 'Sign in' }).getAttribute('href')).resolves.toBe('/admin/sign-in');
  });

  it('refuses a user who is not an admin at sign-in, who then still cannot open it', async () => {
    await signInAs(someone);
    await page.getByText('Admins only').waitFor();
    expect(page.url()).toBe(`${base}/admin/sign-in`);
    const res = await page.goto(`${base}/admin/queues`);
    expect(res?.status()).toBe(401);
    expect((await browser.cookies()).some((cookie) => cookie.name === 'malted_admin')).toBe(false);
  });

  it('signs an admin in, shows every queue, and retries the failed job from the page: the job then runs', async () => {
    await signInAs(admin);
    await page.waitForURL(`${base}/admin/queues`);
    for (const name of ALL_QUEUE_NAMES) await page.getByText(name, { exact: true }).first().waitFor();
    const [cookie] = (await browser.cookies()).filter((c) => c.name === 'malted_admin');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin/queues' });

    await page.goto(`${base}/admin/queues/queue/${QUEUES.files.name}?status=failed`);
    await page.getByText(String(failedJob.id)).first().waitFor();
    // The job card's retry action: an icon button whose tooltip says Retry.
    const retry = page.locator('[class*="jobActions"] button:has(svg.lucide-refresh-cw)').first();
    await retry.hover();
    await page.getByText('Retry', { exact: true }).waitFor();
    await retry.click();
    await page.getByText('Are you sure that you want to retry this job?').waitFor();
    const confirm = page.getByRole('button', { name: 'Confirm' });
    const [answer] = await Promise.all([page.waitForResponse((res) => res.url().endsWith(`/${failedJob.id}/retry`)), confirm.click()]);
    expect(answer.request().method()).toBe('PUT');
    expect(answer.status()).toBe(204);

    const files = api.get<Queue>(getQueueToken(QUEUES.files.name));
    const state = await eventually(
      async () => (await files.getJob(failedJob.id))?.getState(),
      (now) => now === 'completed',
      20_000,
    );
    expect([state, (await files.getJob(failedJob.id))?.failedReason]).toEqual(['completed', undefined]);
    const thumbnail = await eventually(
      () => ctx.http(api).get(`/api/v1/files/${key}/thumbnail`),
      (res) => res.status === 200,
    );
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers['content-type']).toBe('image/webp');
  });

  it("refuses a cross-origin POST that carries the session cookie but not the dashboard's origin", async () => {
    const files = api.get<Queue>(getQueueToken(QUEUES.files.name));
    const refused = page.waitForResponse(
      (res) => res.url().endsWith('/admin/queues/api/queues/files/add') && res.request().resourceType() === 'document',
    );
    await page.goto(attackerBase);
    const answer = await refused;
    expect(answer.status()).toBe(403);
    expect(await answer.text()).toContain('Cross-origin request refused');
    // The cookie was sent (same site), the Origin check refused it; no job was added, by the form or the fetch.
    expect((await answer.request().allHeaders()).cookie).toContain('malted_admin=');
    expect(await files.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).not.toContainEqual(
      expect.objectContaining({ name: QUEUES.files.jobs.purge }),
    );
  });

  it('signs out with the button of the sign-in page (a form POST of this origin), after which the dashboard refuses', async () => {
    expect((await page.goto(`${base}/admin/queues`))?.status()).toBe(200);
    await page.goto(`${base}/admin/sign-in`);
    const [signedOut] = await Promise.all([
      page.waitForResponse((res) => res.url() === `${base}/admin/queues/sign-out`),
      page.getByRole('button', { name: 'Sign out' }).click(),
    ]);
    expect(signedOut.status()).toBe(303);
    await page.waitForLoadState();
    expect((await browser.cookies()).some((cookie) => cookie.name === 'malted_admin')).toBe(false);
    expect((await page.goto(`${base}/admin/queues`))?.status()).toBe(401);
  });
});
