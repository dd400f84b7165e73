import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Job, Queue } from 'bull';
import { type DigestResult, type JobName, type JobOf, jobIdOf, QUEUES, splitJobName } from '../../src/jobs/queues';
import { utcDayOf } from '../../src/social/notification-mail.processor';
import { settleQueues } from '../harness/jobs';
import { uploadAs } from '../harness/posts';
import { type DeliveredMail, SmtpTestServer } from '../harness/smtp-test-server';
import { TestContext, type TestUser } from '../harness/test-app';

const QUEUES_OF_A_MAIL = [QUEUES.social.name, QUEUES.notifications.name, QUEUES.mail.name];

/** The List-Unsubscribe URL of a delivered mail, read from its header (unfolded). */
function unsubscribeUrlOf(mail: DeliveredMail): URL {
  const line = mail.parsed.headerLines.find((header) => header.key === 'list-unsubscribe')?.line ?? '';
  const match = /<([^>]+)>/.exec(line.replace(/\r?\n[ \t]+/g, ''));
  if (!match) throw new Error(`no List-Unsubscribe header in:\n${mail.raw.slice(0, 2000)}`);
  return new URL(match[1]);
}

const headerOf = (mail: DeliveredMail, key: string) => mail.parsed.headerLines.find((header) => header.key === key)?.line;

describe('notification mail', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let app: NestExpressApplication;
  const http = () => ctx.http(app);
  const address = (user: TestUser) => `${user.username}@example.com`;

  beforeAll(async () => {
    await smtp.start();
    // Without verification every address is mailed (nobody could verify one), and no verification mail is in the way.
    app = await ctx.startApp({ SMTP_URL: smtp.url, EMAIL_VERIFICATION_ENABLED: 'false' });
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  const settle = () => settleQueues(app, QUEUES_OF_A_MAIL);

  /** Runs a job of this fact once more, as a redelivery would: the kept completed job makes way for a new one. */
  async function runAgain<N extends JobName>(name: N, payload: JobOf<N>): Promise<unknown> {
    const queue = app.get<Queue>(getQueueToken(splitJobName(name).queue));
    const jobId = jobIdOf(name, payload)!;
    const done = await queue.getJob(jobId);
    expect(await done?.getState()).toBe('completed'); // it ran once already
    await done!.remove();
    const again = await queue.add(splitJobName(name).job, payload, { jobId, removeOnComplete: false });
    return again.finished();
  }

  const completedJobs = async (name: JobName): Promise<Job[]> => {
    const { queue, job } = splitJobName(name);
    return (await app.get<Queue>(getQueueToken(queue)).getCompleted(0, 1000)).filter((found) => found.name === job);
  };

  /** Waits a little longer than a mail takes, then returns every mail to the address. */
  async function mailsTo(user: TestUser): Promise<DeliveredMail[]> {
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await settle();
    return smtp.to(address(user));
  }

  const follow = (follower: TestUser, shake: string) =>
    http().put(`/api/v1/shakes/${shake}/follow`).set('Authorization', follower.auth).expect(204);
  const comment = (author: TestUser, key: string, body: string) =>
    http().post(`/api/v1/files/${key}/comments`).set('Authorization', author.auth).send({ body }).expect(201);

  it('mails a new follower once, with RFC 8058 one-click headers, however often its jobs run', async () => {
    const [alice, bob] = [await ctx.newUser(app), await ctx.newUser(app)];
    await follow(bob, alice.username);
    const mail = await smtp.waitFor(address(alice));
    expect(mail.parsed.subject).toBe(`${bob.username} followed you on Malted`);
    expect(mail.parsed.text).toContain(`${bob.username} followed you.`);
    expect(mail.parsed.text).toContain(`See ${bob.username}'s shake: http://localhost:3000/${bob.username}`);
    expect(headerOf(mail, 'list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    const unsubscribe = unsubscribeUrlOf(mail);
    expect(`${unsubscribe.origin}${unsubscribe.pathname}`).toBe('http://localhost:3000/account/unsubscribe');
    expect(mail.parsed.text).toContain(unsubscribe.toString());
    await settle();

    // The follow's job, then the notification's mail job, run again (a redelivered job, a retry after a crash).
    const [followed] = (await completedJobs('social/followed')).filter((job) => job.data.shakeId !== undefined).slice(-1);
    expect(await runAgain('social/followed', followed.data as JobOf<'social/followed'>)).toMatchObject({ notified: false });
    await settle();
    const [mailJob] = await completedJobs('notifications/mail');
    expect(await runAgain('notifications/mail', mailJob.data as JobOf<'notifications/mail'>)).toEqual({ outcome: 'sent' });
    expect(await mailsTo(alice)).toHaveLength(1);
  });

  it('mails a comment to the file owner and a mention to the mentioned user, once each, when the job runs again', async () => {
    const [carol, dan, erin] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    const post = await uploadAs(app, carol, { title: 'Sunset\nover the bay' });
    await comment(dan, post.key, `lovely, look @${erin.username}`);

    const toCarol = await smtp.waitFor(address(carol));
    expect(toCarol.parsed.subject).toBe(`${dan.username} commented on "Sunset over the bay" on Malted`);
    expect(toCarol.parsed.text).toContain(`"lovely, look @${erin.username}"`);
    expect(toCarol.parsed.text).toContain(`See the file: http://localhost:3000/p/${post.key}`);
    const toErin = await smtp.waitFor(address(erin));
    expect(toErin.parsed.subject).toBe(`${dan.username} mentioned you in a comment on "Sunset over the bay" on Malted`);
    expect(unsubscribeUrlOf(toErin).searchParams.get('token')).toMatch(/\.mention\./);
    await settle();

    const [commented] = await completedJobs('social/commented');
    expect(await runAgain('social/commented', commented.data as JobOf<'social/commented'>)).toMatchObject({ notified: 0 });
    expect(await mailsTo(carol)).toHaveLength(1);
    expect(await mailsTo(erin)).toHaveLength(1);
    expect(await mailsTo(dan)).toHaveLength(0); // nobody is mailed of their own doing
  });

  it('keeps per-kind settings on /me, validated, and mails nothing of a kind turned off', async () => {
    const [fay, gus] = [await ctx.newUser(app), await ctx.newUser(app)];
    const me = await http().get('/api/v1/me').set('Authorization', fay.auth).expect(200);
    expect(me.body.notificationMail).toEqual({ follow: true, comment: true, mention: true, digest: false });

    for (const bad of [{ follow: 'no' }, { bogus: true }, null, 'all']) {
      await http().patch('/api/v1/me').set('Authorization', fay.auth).send({ notificationMail: bad }).expect(400);
    }
    const changed = await http()
      .patch('/api/v1/me')
      .set('Authorization', fay.auth)
      .send({ notificationMail: { follow: false, mention: false } })
      .expect(200);
    expect(changed.body.notificationMail).toEqual({ follow: false, comment: true, mention: false, digest: false });
    const again = await http().patch('/api/v1/me').set('Authorization', fay.auth).send({ showNsfw: true }).expect(200);
    expect(again.body.notificationMail).toEqual({ follow: false, comment: true, mention: false, digest: false });

    await follow(gus, fay.username);
    const post = await uploadAs(app, gus);
    await comment(gus, post.key, `hello @${fay.username}`);
    expect(await mailsTo(fay)).toHaveLength(0);
    // Still notified in the app: only the mail is off.
    const notifications = await http().get('/api/v1/notifications').set('Authorization', fay.auth).expect(200);
    expect(notifications.body.items.map((n: { type: string }) => n.type).sort()).toEqual(['follow', 'mention']);
  });

  it('unsubscribes in one click with a POST to the List-Unsubscribe URL, without signing in', async () => {
    const [hal, ivy] = [await ctx.newUser(app), await ctx.newUser(app)];
    const post = await uploadAs(app, ivy);
    await comment(ivy, post.key, `first @${hal.username}`);
    const url = unsubscribeUrlOf(await smtp.waitFor(address(hal)));
    const path = `${url.pathname}${url.search}`;

    // Opening the link (a mail scanner, a preview) changes nothing: it shows a button.
    const page = await http().get(path).expect(200);
    expect(page.text).toContain('Stop mailing you about mentions of you?');
    expect((await http().get('/api/v1/me').set('Authorization', hal.auth)).body.notificationMail.mention).toBe(true);

    const tampered = path.replace('.mention.', '.follow.');
    await http().post(tampered).type('form').send('List-Unsubscribe=One-Click').expect(400);
    const done = await http().post(path).type('form').send('List-Unsubscribe=One-Click').expect(200);
    expect(done.headers['set-cookie']).toBeUndefined();
    expect(done.text).toContain('You will get no more mail from Malted about mentions of you.');
    await http().post(path).type('form').send('List-Unsubscribe=One-Click').expect(200); // again: idempotent
    expect((await http().get('/api/v1/me').set('Authorization', hal.auth)).body.notificationMail).toEqual({
      follow: true,
      comment: true,
      mention: false,
      digest: false,
    });

    await comment(ivy, post.key, `second @${hal.username}`);
    expect(await mailsTo(hal)).toHaveLength(1);
    await follow(ivy, hal.username); // another kind still mails
    expect(await mailsTo(hal)).toHaveLength(2);
  });

  it('collects a UTC day of events into one digest mail, once, instead of one mail each', async () => {
    const [jo, kit, lee] = [await ctx.newUser(app), await ctx.newUser(app), await ctx.newUser(app)];
    await http()
      .patch('/api/v1/me')
      .set('Authorization', jo.auth)
      .send({ notificationMail: { digest: true } })
      .expect(200);
    await follow(kit, jo.username);
    await follow(lee, jo.username);
    const post = await uploadAs(app, jo, { title: 'Breakfast' });
    await comment(kit, post.key, 'looks good');
    await comment(lee, post.key, 'wow');
    expect(await mailsTo(jo)).toHaveLength(0);

    const queue = app.get<Queue>(getQueueToken(QUEUES.notifications.name));
    expect((await queue.getRepeatableJobs()).map((job) => job.name).sort()).toEqual(['digest', 'prune']);
    const day = utcDayOf(Date.now());
    const digest = (jobId: string) => queue.add(QUEUES.notifications.jobs.digest, { day }, { jobId, removeOnComplete: false });
    expect(await (await digest('test-digest-1')).finished()).toEqual<DigestResult>({ day, mailed: 1 });
    const mail = await smtp.waitFor(address(jo));
    expect(mail.parsed.subject).toBe(`Your Malted day, ${day}: 4 new events`);
    const text = mail.parsed.text ?? '';
    const lines = [
      `${kit.username} followed you`,
      `${lee.username} followed you`,
      `${kit.username} commented on "Breakfast": "looks good"`,
      `${lee.username} commented on "Breakfast": "wow"`,
    ];
    for (const line of lines) expect(text).toContain(line);
    expect(text).toContain(`What happened on Malted on ${day} (UTC):`);
    expect(mail.parsed.html).toContain(`${kit.username} commented on &quot;Breakfast&quot;: &quot;looks good&quot;`);

    // Run again (a retry, a second worker's run): the digest of that day and user goes out once.
    expect(await (await digest('test-digest-2')).finished()).toEqual<DigestResult>({ day, mailed: 1 });
    expect(await mailsTo(jo)).toHaveLength(1);

    // The digest's one-click link turns off all notification mail.
    const url = unsubscribeUrlOf(mail);
    expect(url.searchParams.get('token')).toMatch(/\.all\./);
    await http().post(`${url.pathname}${url.search}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    const me = await http().get('/api/v1/me').set('Authorization', jo.auth).expect(200);
    expect(me.body.notificationMail).toEqual({ follow: false, comment: false, mention: false, digest: true });
    expect(await (await digest('test-digest-3')).finished()).toEqual<DigestResult>({ day, mailed: 0 });
  });
});
