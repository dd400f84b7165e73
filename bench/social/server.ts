/**
 * The app under test for bench:social, in its own process so that the load generator does not share its event
 * loop: the real application (API mode), configured by the environment run.ts passes. Waits until every model's
 * indexes exist (as they would in production before data arrives), then prints "READY <origin>".
 */
import { getConnectionToken } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { createApp } from '../../src/app.factory';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import { serveForBench } from '../common/bench-app';

serveForBench(
  () => createApp(validateEnvironment(process.env) as ResolvedEnvironment),
  async (app) => {
    const connection = app.get<Connection>(getConnectionToken());
    await Promise.all(Object.values(connection.models).map((model) => model.init()));
  },
);
