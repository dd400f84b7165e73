import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { mongoUriFor, type TestContext } from './test-app';

const ROOT = join(__dirname, '..', '..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs src/cli.ts (transpiled on the fly) against this test file's database and Redis prefix. */
export function runCli(ctx: TestContext, args: string[], stdin = ''): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'cli.ts'), ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        MONGODB_URI: mongoUriFor(ctx.database),
        REDIS_URL: process.env.MALTED_TEST_REDIS_URL!,
        REDIS_KEY_PREFIX: ctx.prefix,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.end(stdin);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
