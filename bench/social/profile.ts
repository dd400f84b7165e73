/**
 * npm run bench:social:profile: where the time of one page goes, command by command. Seeds the same social graph
 * as bench:social (seed.ts), boots the real app in this process (API mode) with the driver's command monitoring
 * on, and GETs page 1 and page 500 of the big shake's files and of the viewer's home timeline over HTTP,
 * one request at a time (BENCH_ROUNDS rounds, 2 by default), printing each database command the page sent with
 * its duration. Everything is dropped afterwards. Same database and knobs as bench:social.
 */
import { randomBytes } from 'node:crypto';
import { getConnectionToken } from '@nestjs/mongoose';
import mongoose, { type Connection } from 'mongoose';
import { createApp } from '../../src/app.factory';
import { AuthService } from '../../src/auth/auth.service';
import { type CursorKind, encodeCursor } from '../../src/common/pagination/cursor';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import { openDatabase } from '../common/database';
import { benchRedisUrl, dropRedisKeys } from '../common/redis';
import { DEEP_PAGE, env, PLAN, type SeededEntry, seedSocialGraph } from './seed';

const ROUNDS = env('BENCH_ROUNDS', 2);
const LIMIT = 10;
const say = (line: string) => process.stdout.write(`${line}\n`);

interface Command {
  name: string;
  collection: string;
  filter: string;
  ms: number;
}

async function main(): Promise<void> {
  const suffix = randomBytes(4).toString('hex');
  const redisUrl = await benchRedisUrl();
  const prefix = `malted-bench:profile:${suffix}`;
  const database = await openDatabase(`malted_bench_profile_${suffix}`);
  try {
    const app = await createApp(
      validateEnvironment({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        MALTED_MODE: 'api',
        MONGODB_URI: `${database.uri}?monitorCommands=true`,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        SWAGGER_ENABLED: 'false',
        HTTP_CACHE_ENABLED: 'false',
      }) as ResolvedEnvironment,
    );
    await app.init();
    const connection = app.get<Connection>(getConnectionToken());
    await Promise.all(Object.values(connection.models).map((model) => model.init()));
    await app.listen(0, '127.0.0.1');
    const origin = await app.getUrl();
    const { user: viewer, secret } = await app
      .get(AuthService)
      .register({ username: 'bench_viewer', email: 'bench_viewer@bench.example', password: 'a long bench password 1' });
    const seeding = await mongoose.createConnection(database.uri).asPromise();
    const seeded = await seedSocialGraph(seeding, PLAN, viewer._id);
    await seeding.close();
    say(`Profile of one page on ${database.label}: seeded ${JSON.stringify(seeded.counts)} in ${seeded.seconds.toFixed(0)}s`);

    const commands: Command[] = [];
    const started = new Map<number, Omit<Command, 'ms'>>();
    const client = connection.getClient();
    client.on('commandStarted', (event) => {
      const filter = event.command.filter ?? event.command.pipeline ?? '';
      started.set(event.requestId, {
        name: event.commandName,
        collection: String(event.command[event.commandName]),
        filter: JSON.stringify(filter).slice(0, 80),
      });
    });
    client.on('commandSucceeded', (event) => {
      const command = started.get(event.requestId);
      if (command) commands.push({ ...command, ms: event.duration });
    });

    const deep = (kind: CursorKind, entries: SeededEntry[]) => encodeCursor(kind, entries[(DEEP_PAGE - 1) * LIMIT - 1]._id);
    const shake = `/api/v1/shakes/${seeded.bigShakeName}/files?limit=${LIMIT}`;
    const timeline = `/api/v1/timeline?limit=${LIMIT}`;
    const get = async (path: string, signedIn = false) => {
      const res = await fetch(origin + path, { headers: signedIn ? { authorization: `Bearer ${secret}` } : {} });
      if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    };
    const pages: [string, () => Promise<unknown>][] = [
      ['GET /shakes/:name/files page 1', () => get(shake)],
      [`GET /shakes/:name/files page ${DEEP_PAGE}`, () => get(`${shake}&before=${deep('shake-files', seeded.bigEntries)}`)],
      ['GET /timeline page 1', () => get(timeline, true)],
      [`GET /timeline page ${DEEP_PAGE}`, () => get(`${timeline}&before=${deep('timeline', seeded.viewerEntries)}`, true)],
    ];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [label, page] of pages) {
        commands.length = 0;
        const start = performance.now();
        await page();
        say(`${label} (round ${round}): ${(performance.now() - start).toFixed(0)} ms`);
        for (const command of commands)
          say(`  ${String(command.ms).padStart(7)} ms  ${command.name} ${command.collection} ${command.filter}`);
      }
    }
    await app.close();
  } finally {
    await dropRedisKeys(redisUrl, prefix);
    await database.dropAndStop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`profile failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
