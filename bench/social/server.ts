/**
 * The app under test for bench:social, in its own process so that the load generator does not share its event
 * loop: the real application (API mode), configured by the environment run.ts passes. Waits until every model's
 * indexes exist (as they would in production before data arrives), then prints "READY <origin>".
 */
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { createApp } from '../../src/app.factory';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';

async function main(): Promise<void> {
  const app = await createApp(validateEnvironment(process.env) as ResolvedEnvironment);
  await app.listen(0, '127.0.0.1');
  const connection = app.get<Connection>(getConnectionToken());
  await Promise.all(Object.values(connection.models).map((model) => model.init()));
  process.stdout.write(`READY ${await app.getUrl()}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
