/**
 * The app under test, in its own process so that the load generator does not share its event loop: the real
 * application (API mode) plus one bench-only route, GET /bench/baseline?id=, that answers a plain findOne by _id
 * on search_entries over the same HTTP server. Configured by the environment run.ts passes; prints
 * "READY <origin>" once it listens on 127.0.0.1.
 */
import { getModelToken } from '@nestjs/mongoose';
import type { NextFunction, Request, Response } from 'express';
import type { Model } from 'mongoose';
import { createApp } from '../../src/app.factory';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import { SearchEntry } from '../../src/search/database/search-entry.schema';
import { serveForBench } from '../common/bench-app';

serveForBench(
  async () => {
    const app = await createApp(validateEnvironment(process.env) as ResolvedEnvironment);
    const entries = app.get<Model<SearchEntry>>(getModelToken(SearchEntry.name));
    app.use('/bench/baseline', (req: Request, res: Response, next: NextFunction) => {
      entries
        .findOne({ _id: String(req.query.id) }, { hit: 1 })
        .lean()
        .exec()
        .then((entry) => res.json(entry?.hit ?? null), next);
    });
    return app;
  },
  // the indexes exist before run.ts seeds, as they would in production
  (app) =>
    app
      .get<Model<SearchEntry>>(getModelToken(SearchEntry.name))
      .init()
      .then(() => undefined),
);
