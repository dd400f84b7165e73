import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildGoTool } from '../../src/dev/go-tool';
import { redisAnswers } from '../../src/dev/probes';
import { buildMongoTestServer, startMongoTestServer, type RunningMongoTestServer } from '../../src/dev/mongo-test-server';

declare global {
  var __MALTED_MONGO__: { server: RunningMongoTestServer; dir: string } | undefined;
}

/**
 * Starts the real servers the e2e tests talk to: MONGODB_URI if set, else the embedded FerretDB built from
 * tools/mongo-test-server (cached), on a free port with its data in a temporary folder. Redis is REDIS_URL or
 * the local one. Their addresses reach the test files through MALTED_TEST_* variables. Also builds the S3 test
 * server, which each test file that needs one starts for itself.
 */
export default async function globalSetup(): Promise<void> {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const { hostname, port } = new URL(redisUrl);
  if (!process.env.REDIS_URL && !(await redisAnswers(hostname, Number(port || 6379)))) {
    throw new Error(`No Redis answers at ${redisUrl}: start one (see README) or set REDIS_URL`);
  }
  process.env.MALTED_TEST_REDIS_URL = redisUrl;

  // Built here, once, so that test files starting their own S3 server (test/harness/s3-test-server.ts) in
  // parallel workers find it cached instead of each running the same slow first build.
  buildGoTool('s3-test-server');
  buildGoTool('prometheus-check'); // Prometheus's own parsers, for the metrics tests (test/harness/metrics.ts)

  if (process.env.MONGODB_URI) {
    process.env.MALTED_TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'malted-ferretdb-'));
  const server = await startMongoTestServer(buildMongoTestServer(), { sqliteDir: join(dir, 'data') });
  globalThis.__MALTED_MONGO__ = { server, dir };
  process.env.MALTED_TEST_MONGODB_URI = server.uri;
}
