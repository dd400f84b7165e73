/**
 * The real application, in its own process for a benchmark (see child-server.ts): configured by the environment
 * the runner passes, listening on 127.0.0.1; prints "READY <origin>" and shuts down when its stdin closes.
 */
import { createApp } from '../../src/app.factory';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';

async function main(): Promise<void> {
  const app = await createApp(validateEnvironment(process.env) as ResolvedEnvironment);
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${await app.getUrl()}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench app failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
