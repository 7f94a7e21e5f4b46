import type { AddressInfo } from 'node:net';
import { type Clock, createServices, ensureAdmin, type Services, systemClock } from '@skillbytes/api';
import { type EmbeddedDatabase, saveStarterSnapshot, seedStarterPool } from '@skillbytes/db';
import type { Logger } from 'pino';
import type { ServerConfig } from './config.ts';
import { createHttpApp } from './http/app.ts';
import { createMetricsServer } from './http/metrics-endpoint.ts';
import { createStaticSite } from './http/static-site.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';
import { openDatabase } from './open-database.ts';
import { markPhase, startupPhases } from './startup-phases.ts';

export type RunningServer = {
  url: string;
  port: number;
  /** With METRICS_PORT: where /metrics is served (http://host:port), else undefined. */
  metricsUrl: string | undefined;
  services: Services;
  /** Graceful: stop accepting, finish in-flight requests, stop the judge and event bus, close the database. */
  shutdown(): Promise<void>;
};

export type StartOptions = {
  logger?: Logger;
  clock?: Clock;
  /** The database `openDatabase(config)` is opening already (main.ts starts it before loading this module). */
  database?: Promise<EmbeddedDatabase>;
};

/** Migrates (unless MIGRATE_ON_START=false), seeds, and starts listening. Used by `main.ts` and by tests (in-process, port 0). */
export async function startServer(config: ServerConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? (await createLogger(config.env));
  const { database, origin, snapshot, discarded } = await (opts.database ?? openDatabase(config));
  try {
    await database.ping();
    if (discarded) logger.warn({ snapshot, reason: discarded }, 'starter snapshot not used: initdb instead');
    if (origin !== 'existing') logger.info({ origin, snapshot }, `new embedded database (${origin})`);
    markPhase('databaseOpen');
    if (config.migrateOnStart) await database.migrate();
    else {
      // The operator migrates separately (`pnpm db:migrate`): refuse to serve a schema this code does not match.
      const pending = await database.pendingMigrations();
      if (pending > 0) {
        throw new Error(
          `the database lacks ${pending} migration(s) and MIGRATE_ON_START=false: run \`pnpm db:migrate\` first, or unset MIGRATE_ON_START`,
        );
      }
    }
    markPhase('migrated');
    if (config.seedStarterPool) {
      const seeded = await seedStarterPool(database.db);
      logger.info({ seeded }, seeded ? 'starter challenge pool seeded' : 'challenge pool already present');
      markPhase('seeded');
    }
    // Before anything else writes: the next new DATA_DIR starts from this one.
    if (origin === 'initdb' && snapshot) {
      await saveStarterSnapshot(database, snapshot).then(
        () => logger.info({ snapshot }, 'starter snapshot saved for the next new DATA_DIR'),
        (error: unknown) => logger.warn({ snapshot, err: error }, 'could not save the starter snapshot'),
      );
      markPhase('snapshotSaved');
    }
    if (config.admin) {
      const now = (opts.clock ?? systemClock).now();
      const outcome = await ensureAdmin({ db: database.db, logger, now }, config.admin);
      logger.info({ outcome }, 'admin account from ADMIN_EMAIL checked');
      markPhase('admin');
    }
  } catch (error) {
    await database.close().catch(() => {});
    throw error;
  }
  const metrics = createMetrics();
  const services = await createServices({
    database,
    config: config.api,
    logger,
    clock: opts.clock,
    onProcedure: metrics.observeProcedure,
  });
  metrics.observeJudge(services.judge);
  metrics.observeDatabase(database);
  markPhase('services');
  const site = createStaticSite(config.webDist);
  if (!site) {
    logger.warn(
      { webDist: config.webDist },
      'no built web app (index.html) there: serving the API only; build it with `pnpm --filter @skillbytes/web build`',
    );
  }
  const app = createHttpApp({ services, config, metrics, logger, site });
  await new Promise<void>((resolve, reject) => {
    app.server.once('error', reject);
    app.server.listen(config.port, config.host, () => resolve());
  });
  markPhase('listening');
  const { port } = app.server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : createMetricsServer(metrics, config.metrics.token, logger);
  if (metricsServer) {
    try {
      await new Promise<void>((resolve, reject) => {
        metricsServer.once('error', reject);
        metricsServer.listen(config.metrics.port, config.host, () => resolve());
      });
    } catch (error) {
      await app.shutdown();
      await services.close();
      await database.close();
      throw error;
    }
  }
  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : undefined;
  logger.info(
    {
      port,
      host: config.host,
      database: database.kind,
      dataDir: database.kind === 'pglite' ? config.dataDir : undefined,
      webApp: site?.root ?? null,
      metricsPort,
    },
    'server listening',
  );
  // LOG_LEVEL=debug: where the start-up time went (bench/src/cold-start.ts prints it).
  logger.debug({ phases: startupPhases() }, 'startup phases');

  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    metricsUrl: metricsPort === undefined ? undefined : `http://${host}:${metricsPort}`,
    services,
    shutdown() {
      stopping ??= (async () => {
        if (metricsServer) {
          metricsServer.close();
          metricsServer.closeAllConnections();
        }
        await app.shutdown();
        await services.close();
        await database.close();
        logger.info('server stopped');
      })();
      return stopping;
    },
  };
}
