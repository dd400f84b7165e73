import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AppModule } from './app.module';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { AuthService } from './auth/auth.service';
import { RegisterDto } from './auth/dto/auth.dto';
import { InvalidEnvironmentError, validateEnvironment } from './config/environment';
import { RunMode } from './config/run-mode';
import { followRebuild } from './search/follow-rebuild';
import { SearchIndexer } from './jobs/search-indexer';
import { resolveLocalServices } from './dev/local-services';
import { Role } from './common/auth/role';
import { UsersService } from './users/users.service';

const USAGE = `Usage:
  npm run cli -- create-admin <username> <email>   create an admin (password from stdin, or one is generated)
  npm run cli -- make-admin <username>             make an existing user an admin
  npm run cli -- search-rebuild [--no-wait]        rebuild the search index (a worker runs it; waits and shows progress)`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** Operator commands that must never be HTTP endpoints, run against the configured database. */
async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const valid =
    (command === 'create-admin' && args.length === 2) ||
    (command === 'make-admin' && args.length === 1) ||
    (command === 'search-rebuild' && (args.length === 0 || (args.length === 1 && args[0] === '--no-wait')));
  if (!valid) {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }
  const env = validateEnvironment(process.env);
  const local = await resolveLocalServices({ ...env, LOG_LEVEL: 'warn' }, (message) => process.stderr.write(`${message}\n`));
  const app = await NestFactory.createApplicationContext(
    AppModule.forEnvironment({ ...local.env, MALTED_MODE: RunMode.Api, LOG_LEVEL: 'warn' }),
    { logger: ['error', 'warn'] },
  );
  try {
    if (command === 'search-rebuild') {
      await rebuildSearch(app.get(SearchIndexer), args[0] !== '--no-wait');
    } else if (command === 'make-admin') {
      const users = app.get(UsersService);
      const user = await users.getByUsername(args[0]);
      await users.update(user._id, { role: Role.Admin });
      process.stdout.write(`${user.username} is now an admin\n`);
    } else {
      const given = await readStdin();
      const password = given || randomBytes(18).toString('base64url');
      const problems = validateSync(plainToInstance(RegisterDto, { username: args[0], email: args[1], password }));
      if (problems.length > 0) {
        throw new Error(problems.flatMap((problem) => Object.values(problem.constraints ?? {})).join('; '));
      }
      const user = await app.get(AuthService).createAccount({
        username: args[0],
        email: args[1],
        password,
        role: Role.Admin,
      });
      process.stdout.write(`created admin ${user.username}${given ? '' : ` with password ${password}`}\n`);
    }
    return 0;
  } finally {
    await app.close();
    await local.stop();
  }
}

/** Queues a rebuild (or joins the one already queued) and, unless told not to, follows it to the end. */
async function rebuildSearch(indexer: SearchIndexer, wait: boolean): Promise<void> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const started = Date.now();
  const request = await indexer.requestRebuild();
  say(
    request.queued
      ? `queued the search rebuild (job ${request.jobId})`
      : `a search rebuild is already queued or running (job ${request.jobId})`,
  );
  if (!wait) return;
  const result = await followRebuild(indexer, say);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  say(`search rebuild finished: ${result.indexed} indexed, ${result.removed} removed, ${result.swept} rechecked, in ${seconds}s`);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof InvalidEnvironmentError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exit(1);
  },
);
