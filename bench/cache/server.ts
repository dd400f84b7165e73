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
import { Public } from '../../src/common/auth/auth.decorators';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import { serveForBench } from '../common/bench-app';

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

serveForBench(() => createApp(validateEnvironment(appEnvironment) as ResolvedEnvironment, [ConstantModule]));
