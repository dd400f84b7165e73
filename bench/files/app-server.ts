/**
 * The app under test for bench:files, in its own process: the real application plus one bench-only route,
 * GET|HEAD /api/v1/bench/constant/:name, answering the bytes of BENCH_CONSTANT_DIR/<name> with the headers in
 * <name>.json (both read once, on first use) through the same global middleware, guards and pipes as every
 * route: the framework's ceiling for a response of that size; /metrics on METRICS_PORT. Prints "READY <origin>"
 * once it listens.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Module, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { createApp } from '../../src/app.factory';
import { Public } from '../../src/common/auth/auth.decorators';
import { MetricsServer } from '../../src/common/metrics/metrics-server';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import { serveForBench } from '../common/bench-app';

const { BENCH_CONSTANT_DIR, ...appEnvironment } = process.env;
const bodies = new Map<string, { body: Buffer; headers: Record<string, string> }>();

@Controller('bench')
class ConstantController {
  @Get('constant/:name')
  @Public()
  constant(@Param('name') name: string, @Res() res: Response): void {
    if (!/^[a-z0-9-]+$/.test(name) || !BENCH_CONSTANT_DIR) throw new NotFoundException();
    let constant = bodies.get(name);
    if (!constant) {
      const path = join(BENCH_CONSTANT_DIR, name);
      constant = { body: readFileSync(path), headers: JSON.parse(readFileSync(`${path}.json`, 'utf8')) as Record<string, string> };
      bodies.set(name, constant);
    }
    res.writeHead(200, constant.headers);
    res.end(res.req.method === 'HEAD' ? undefined : constant.body);
  }
}

@Module({ controllers: [ConstantController] })
class ConstantModule {}

const env = validateEnvironment(appEnvironment) as ResolvedEnvironment;
// As main.ts does: the runner reads the queues' backlog from /metrics.
serveForBench(
  () => createApp(env, [ConstantModule]),
  async (app) => {
    if (env.METRICS_PORT !== 0) await app.get(MetricsServer).listen(env.METRICS_PORT, '127.0.0.1');
  },
);
