import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getQueueToken } from '@nestjs/bull';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bull';
import { simpleParser } from 'mailparser';
import { getModelToken } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { EmailToken } from '../../src/auth/schemas/email-token.schema';
import { SentMail } from '../../src/mail/schemas/sent-mail.schema';
import { MAIL_JOB_IDS, MAIL_JOB_OPTIONS, type MailJob, QUEUES } from '../../src/jobs/queues';
import { eventually } from '../harness/servers';
import { linkIn, SmtpTestServer } from '../harness/smtp-test-server';
import { TestContext } from '../harness/test-app';

describe('the mail queue', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let app: NestExpressApplication;
  let queue: Queue<MailJob>;
  let tokens: Model<EmailToken>;

  beforeAll(async () => {
    await smtp.start();
    app = await ctx.startApp({ SMTP_URL: smtp.url });
    queue = app.get(getQueueToken(QUEUES.mail.name));
    tokens = app.get(getModelToken('EmailToken'));
  });
  afterAll(async () => {
    await ctx.close();
    await smtp.stop();
  });

  it('retries a delivery the server put off (451) with backoff, and the mail arrives once', async () => {
    smtp.refuseNext(1, 451);
    const before = smtp.attempts;
    const user = await ctx.newUser(app);
    const mail = await smtp.waitFor(`${user.username}@example.com`, 1, 20_000);
    expect(smtp.attempts - before).toBe(2);
    expect(mail.parsed.subject).toMatch(/^Verify your email address/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(`${user.username}@example.com`)).toHaveLength(1);
  });

  it('sends nothing when the job of an event that was mailed runs again', async () => {
    const user = await ctx.newUser(app);
    const address = `${user.username}@example.com`;
    const mail = await smtp.waitFor(address);
    const [token] = await tokens.find({ email: address }).lean();
    const eventKey = MAIL_JOB_IDS.verifyEmail(token._id.toString());
    expect(mail.parsed.messageId).toBe(`<${eventKey.replace(':', '.')}@localhost>`);
    const attempts = smtp.attempts;

    // Once the completed job is gone (removeOnComplete), Bull takes this as a new job under the same id: a
    // redelivery, as after a worker died between sending and completing. This one is kept, to read its result.
    await eventually(
      () => queue.getJob(eventKey),
      (job) => job === null,
    );
    const secret = linkIn(mail, '/account/verify-email').token;
    const again = await queue.add(
      QUEUES.mail.jobs.send,
      {
        template: 'verify-email',
        to: address,
        data: { username: user.username, token: secret, expiresAt: new Date().toISOString(), change: false },
      },
      { ...MAIL_JOB_OPTIONS, removeOnComplete: false, jobId: eventKey },
    );
    expect(await again.finished()).toEqual({ sent: false, messageId: mail.parsed.messageId });
    expect(smtp.attempts).toBe(attempts);
    expect(smtp.to(address)).toHaveLength(1);
  });

  it('queues one job for one event however often it is asked', async () => {
    await queue.pause(true);
    const job: MailJob = { template: 'password-changed', to: 'once@example.com', data: { username: 'once', how: 'changed' } };
    const options = { ...MAIL_JOB_OPTIONS, jobId: 'password-changed:test:once' };
    const [a, b] = await Promise.all([queue.add(QUEUES.mail.jobs.send, job, options), queue.add(QUEUES.mail.jobs.send, job, options)]);
    expect(a.id).toBe(b.id);
    expect(await queue.getWaitingCount()).toBe(1);
    await queue.resume(true);
    await smtp.waitFor('once@example.com');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to('once@example.com')).toHaveLength(1);
  });

  it('does not retry a mail the server refused for good (550), and keeps the job for inspection', async () => {
    smtp.refuseNext(1, 550);
    const before = smtp.attempts;
    const job = await queue.add(
      QUEUES.mail.jobs.send,
      { template: 'password-changed', to: 'refused@example.com', data: { username: 'refused', how: 'changed' } },
      { ...MAIL_JOB_OPTIONS, jobId: 'password-changed:test:refused' },
    );
    await expect(job.finished()).rejects.toThrow();
    const failed = await eventually(
      () => queue.getJob(job.id),
      (found) => found?.failedReason !== undefined,
    );
    expect(failed!.attemptsMade).toBe(1);
    expect(await failed!.getState()).toBe('failed');
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(smtp.attempts - before).toBe(1);
    expect(smtp.to('refused@example.com')).toHaveLength(0);
  });
});

describe('the sent records', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  it('are pruned after 30 days by the daily job, which every worker schedules', async () => {
    const app = await ctx.startApp();
    const queue = app.get<Queue>(getQueueToken(QUEUES.mail.name));
    expect((await queue.getRepeatableJobs()).map((job) => job.name)).toEqual([QUEUES.mail.jobs.pruneSent]);
    const sent = app.get<Model<SentMail>>(getModelToken(SentMail.name));
    const day = 86_400_000;
    await sent.insertMany([
      { _id: 'test:old', template: 'password-changed', messageId: '<old@x>', sentAt: new Date(Date.now() - 31 * day) },
      { _id: 'test:recent', template: 'password-changed', messageId: '<recent@x>', sentAt: new Date(Date.now() - 29 * day) },
    ]);
    const job = await queue.add(QUEUES.mail.jobs.pruneSent, {}, { removeOnComplete: false });
    expect(await job.finished()).toEqual({ deleted: 1 });
    expect((await sent.find().lean()).map((record) => record._id)).toEqual(['test:recent']);
  });
});

describe('mail in development (no SMTP_URL)', () => {
  const ctx = new TestContext(__filename);
  afterAll(() => ctx.close());

  it('writes each mail to DATA_DIR/mail, where a newcomer can open it and follow its link', async () => {
    const app = await ctx.startApp({ NODE_ENV: 'development' });
    const user = await ctx.newUser(app);
    const folder = join(ctx.dataDir, 'mail');
    const files = await eventually(
      async () => {
        try {
          return readdirSync(folder).filter((file) => file.endsWith('.eml'));
        } catch {
          return [];
        }
      },
      (found) => found.length > 0,
    );
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/verify-email\.eml$/);
    const parsed = await simpleParser(readFileSync(join(folder, files[0])));
    expect(parsed.to).toMatchObject({ text: `${user.username}@example.com` });
    const { url, token } = linkIn({ to: [], from: '', raw: '', parsed }, '/account/verify-email');
    expect(url.origin).toBe('http://localhost:3000');
    await ctx.http(app).post('/api/v1/auth/verify-email').send({ token }).expect(200);
  });
});
