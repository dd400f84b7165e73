import pino from 'pino';
import { createApp } from './app.factory';
import { cutOffIncomingBodies } from './common/http/shutdown-cut-off';
import { MetricsServer } from './common/metrics/metrics-server';
import { type Environment, InvalidEnvironmentError, validateEnvironment } from './config/environment';
import { resolveLocalServices } from './dev/local-services';
import { ShutdownState } from './system/shutdown-state';

const log = pino({ name: 'malted' });
/** How long before SHUTDOWN_TIMEOUT_MS the bodies still arriving are refused (a fifth of it when that is shorter). */
const BODIES_CUT_OFF_BEFORE_MS = 5000;

async function main(): Promise<void> {
  let env: Environment;
  try {
    env = validateEnvironment(process.env);
  } catch (error) {
    if (!(error instanceof InvalidEnvironmentError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }

  // Production requires MONGODB_URI and REDIS_URL or REDIS_CLUSTER_NODES (validated above), so nothing is ever started there.
  const local = await resolveLocalServices(env, (message) => log.info(message));
  const app = await createApp(local.env);
  await app.listen(env.PORT, env.HOST);
  // Started here, not by the module: the CLI boots the same modules and must not take the port.
  if (env.METRICS_PORT !== 0) await app.get(MetricsServer).listen(env.METRICS_PORT, env.HOST);
  log.info({ mode: env.MALTED_MODE, port: env.PORT, metricsPort: env.METRICS_PORT }, 'Malted is listening');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: draining, then closing the server, queues and connections');
    setTimeout(() => {
      log.error('shutdown timed out, exiting');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS).unref();
    // Uploads still arriving this close to the deadline are refused (503, nothing stored), leaving the requests
    // already received, the queues and the connections the last seconds to finish and close before the exit.
    setTimeout(
      () => {
        log.warn('refusing the request bodies still arriving: the shutdown deadline is close');
        cutOffIncomingBodies();
      },
      env.SHUTDOWN_TIMEOUT_MS - Math.min(BODIES_CUT_OFF_BEFORE_MS, env.SHUTDOWN_TIMEOUT_MS / 5),
    ).unref();
    app.get(ShutdownState).draining = true;
    await new Promise((r) => setTimeout(r, env.SHUTDOWN_DRAIN_MS));
    await app.close(); // stops accepting, waits for in-flight requests, runs every shutdown hook
    await local.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  log.fatal({ err: error }, 'Malted failed to start');
  process.exit(1);
});
