// A running Haven: listen at once (so /healthz can say "starting"), open the services, serve, and
// stop gracefully on SIGTERM or SIGINT.
import type { FastifyInstance } from 'fastify';
import { followBaseUrl } from './app-host/dashboard-client.js';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { scheduleJobs, type Jobs } from './jobs/schedule.js';
import { startBulkWorker, type BulkWorker } from './bulk/worker.js';
import { openServices, Runtime, type Services } from './runtime.js';
import { SubscriptionWorker } from './subscriptions/worker.js';

/** Within the contract's 10 s: in-flight requests get this long before connections are cut. */
const DRAIN_MS = 8000;

export interface RunningServer {
  app: FastifyInstance;
  runtime: Runtime;
  /** Resolves when the services are ready, rejects when they could not start. */
  ready: Promise<Services>;
  stop(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  const runtime = new Runtime();
  const app = buildApp({ config, runtime });
  await app.listen({ host: config.host, port: config.port });
  let jobs: Jobs | undefined;
  let bulk: BulkWorker | undefined;
  let deliveries: SubscriptionWorker | undefined;
  const ready = openServices(config, app.log).then(async (services) => {
    // The dashboard's registration (haven demo) follows this server's BASE_URL. Only the server
    // does this: a command run without the server's BASE_URL must not move it.
    await followBaseUrl(services.db, config).catch((error: Error) => app.log.error({ err: error }, 'the dashboard registration could not follow BASE_URL'));
    runtime.set(services);
    jobs = scheduleJobs(services, app.log);
    bulk = startBulkWorker(services, app.log);
    if (config.subscriptions.worker) (deliveries = new SubscriptionWorker(services, app.log)).start();
    app.log.info({ engine: services.db.engine }, 'Haven is ready');
    return services;
  });
  ready.catch((error: Error) => runtime.fail(error));

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const drain = setTimeout(() => app.server.closeAllConnections(), DRAIN_MS);
      drain.unref();
      await app.close();
      clearTimeout(drain);
      const services = await ready.catch(() => undefined);
      await jobs?.stop();
      await bulk?.stop();
      await deliveries?.stop();
      await services?.db.close();
    })());
  return { app, runtime, ready, stop };
}

/** `npm start` / `haven serve`: run until a signal, then exit 0 after a graceful stop. */
export async function serveUntilSignal(config: Config): Promise<void> {
  const server = await startServer(config);
  // `on`, not `once`: under `npm start` a Ctrl-C or a signal to the process group reaches Haven
  // twice (directly and forwarded by npm), and a second signal must not kill the graceful stop.
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    server.app.log.info({ signal }, 'stopping');
    server
      .stop()
      .then(() => process.exit(0))
      .catch((error) => {
        server.app.log.error({ err: error }, 'error while stopping');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await server.ready;
  } catch (error) {
    server.app.log.fatal({ err: error }, 'Haven could not start');
    await server.stop().catch(() => undefined);
    process.exit(1);
  }
}
