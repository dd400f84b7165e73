import { getModelToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type Model, Types } from 'mongoose';
import type { OutboxEntry } from '../../src/jobs/outbox.schema';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { NotificationType } from '../../src/notifications/schemas/notification.schema';
import { ShakesService } from '../../src/shakes/shakes.service';
import { UsersService } from '../../src/users/users.service';
import { DisposableRedis, eventually, freePort } from '../harness/servers';
import { SmtpTestServer } from '../harness/smtp-test-server';
import { TestContext } from '../harness/test-app';

/**
 * Notification mail goes through the job seam: a notification written while Redis is away (a job of the worker
 * that lost Redis half-way) leaves its mail job in the outbox, and the mail goes out once Redis is back.
 */
describe('notification mail while Redis is away', () => {
  const ctx = new TestContext(__filename);
  const smtp = new SmtpTestServer();
  let redis: DisposableRedis;
  let app: NestExpressApplication;

  beforeAll(async () => {
    await smtp.start();
    redis = new DisposableRedis(await freePort());
    await redis.start();
    app = await ctx.startApp({
      SMTP_URL: smtp.url,
      EMAIL_VERIFICATION_ENABLED: 'false',
      REDIS_URL: redis.url,
      JOB_RECOVERY_INTERVAL_MS: '300',
    });
  });
  afterAll(async () => {
    await redis.start();
    await ctx.close();
    await redis.stop();
    await smtp.stop();
  });

  it('keeps the mail job of a notification in the outbox and mails it, once, when Redis is back', async () => {
    const [mia, ned] = [await ctx.newUser(app), await ctx.newUser(app)];
    const users = app.get(UsersService);
    const recipient = (await users.findByUsername(mia.username))!;
    const actor = (await users.findByUsername(ned.username))!;
    const shake = (await app.get(ShakesService).findByName(mia.username))!;
    const outbox = app.get<Model<OutboxEntry>>(getModelToken('OutboxEntry'));

    await redis.stop();
    const started = Date.now();
    const notified = await app.get(NotificationsService).notify({
      type: NotificationType.Follow,
      recipientId: recipient._id,
      actorId: actor._id,
      subject: { shakeId: shake._id },
      factId: new Types.ObjectId(),
    });
    expect(notified).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await outbox.find().lean()).map((entry) => entry.name)).toContain('notifications/mail');

    await redis.start();
    const mail = await smtp.waitFor(`${mia.username}@example.com`, 1, 20_000);
    expect(mail.parsed.subject).toBe(`${ned.username} followed you on Malted`);
    await eventually(
      () => outbox.countDocuments(),
      (n) => n === 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(smtp.to(`${mia.username}@example.com`)).toHaveLength(1);
  });
});
