import type { NestExpressApplication } from '@nestjs/platform-express';

/** What every benchmark's app process runs with: quiet, no Swagger, rate limits and email verification out of the way. */
export function benchAppEnvironment(database: { uri: string }, redisUrl: string, prefix: string): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MALTED_MODE: 'api',
    MONGODB_URI: database.uri,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    RATE_LIMIT_PER_HOUR: '1000000000',
    REGISTER_RATE_LIMIT_PER_HOUR: '1000',
    SWAGGER_ENABLED: 'false',
    // Benchmark users upload right after registering; no verification mail, nothing waits for one.
    EMAIL_VERIFICATION_ENABLED: 'false',
  };
}

/**
 * The end of every bench server script (see child-server.ts): listen on 127.0.0.1, run `whenListening`, print
 * "READY <origin>", and close the app when stdin closes. Exits 1 with the error if `start` fails.
 */
export function serveForBench(
  start: () => Promise<NestExpressApplication>,
  whenListening?: (app: NestExpressApplication) => Promise<void>,
): void {
  const run = async () => {
    const app = await start();
    await app.listen(0, '127.0.0.1');
    await whenListening?.(app);
    process.stdout.write(`READY ${await app.getUrl()}\n`);
    process.stdin.resume();
    process.stdin.once('end', () => void app.close().then(() => process.exit(0)));
  };
  run().catch((error: unknown) => {
    process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
