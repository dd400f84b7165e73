/**
 * The app under test, in its own process: the real application plus one bench-only route in the same Nest app,
 * GET /api/v1/bench/constant, that answers the bytes of BENCH_CONSTANT_BODY_FILE (read once, on first use) with
 * the same global middleware, guards and pipes as every route: the framework's ceiling for a response of that
 * size. Prints "READY <origin>" once it listens on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { Controller, Get, Module, Res } from '@nestjs/common';
import type { Response } from 'express';
import { createApp } from '../../src/app.factory';
import { Public } from '../../src/auth/auth.decorators';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';

const { BENCH_CONSTANT_BODY_FILE, ...appEnvironment } = process.env;
let constantBody: string | undefined;

@Controller('bench')
class ConstantController {
  @Get('constant')
  @Public()
  constant(@Res({ passthrough: true }) res: Response): string {
    constantBody ??= readFileSync(BENCH_CONSTANT_BODY_FILE ?? '', 'utf8');
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    return constantBody;
  }
}

@Module({ controllers: [ConstantController] })
class ConstantModule {}

async function main(): Promise<void> {
  const app = await createApp(validateEnvironment(appEnvironment) as ResolvedEnvironment, [ConstantModule]);
  await app.listen(0, '127.0.0.1');
  process.stdout.write(`READY ${await app.getUrl()}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => void app.close().then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
