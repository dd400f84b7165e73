/**
 * The real application, in its own process for a benchmark (see child-server.ts): configured by the environment
 * the runner passes, listening on 127.0.0.1; prints "READY <origin>" and shuts down when its stdin closes.
 */
import { createApp } from '../../src/app.factory';
import { type ResolvedEnvironment, validateEnvironment } from '../../src/config/environment';
import { serveForBench } from './bench-app';

serveForBench(() => createApp(validateEnvironment(process.env) as ResolvedEnvironment));
