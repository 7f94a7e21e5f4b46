import type { Judge } from '@skillbytes/api/judge';
import type { DatabaseHandle } from '@skillbytes/db';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** A maker of gauges that read one field of `stats()` each time they are scraped. */
function scrapedGauges<S>(registry: Registry, stats: () => S) {
  return (name: string, help: string, read: (s: S) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(stats()));
      },
    });
}

/** Prometheus metrics of one process: HTTP and procedure counts and durations, plus Node's own. */
export function createMetrics() {
  const registry = new Registry();
  // process CPU/memory/handles and event-loop lag (nodejs_eventloop_lag_*)
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  const httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by route and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route', 'method'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const procedureCalls = new Counter({
    name: 'trpc_procedure_calls_total',
    help: 'tRPC procedure calls by path, type and outcome',
    labelNames: ['path', 'type', 'ok'] as const,
    registers: [registry],
  });
  const procedureDuration = new Histogram({
    name: 'trpc_procedure_duration_seconds',
    help: 'tRPC procedure duration by path',
    labelNames: ['path', 'type'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const judgeRuns = new Counter({
    name: 'judge_runs_total',
    help: 'Judged runs by mode (run, submit) and verdict status',
    labelNames: ['mode', 'status'] as const,
    registers: [registry],
  });
  const judgeDuration = new Histogram({
    name: 'judge_run_duration_seconds',
    help: 'Time a judged run spent in the solution, by mode',
    labelNames: ['mode'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    /**
     * The judge's own metrics: its queue and workers read when scraped, and each run's verdict and
     * duration as it ends. A judge without a pool (a test double) adds none.
     */
    observeJudge(judge: Judge) {
      const stats = judge.stats?.bind(judge);
      if (!stats) return;
      const gauge = scrapedGauges(registry, stats);
      gauge('judge_queue_depth', 'Runs waiting for a judge worker', (s) => s.queued);
      gauge('judge_workers', 'Judge worker threads alive', (s) => s.workers);
      gauge('judge_workers_busy', 'Judge worker threads running a solution', (s) => s.busy);
      new Counter({
        name: 'judge_worker_restarts_total',
        help: 'Judge workers that stopped while the judge was open (a crash or a watchdog kill)',
        registers: [registry],
        collect() {
          this.reset();
          this.inc(stats().workerRestarts);
        },
      });
      judge.observe?.(({ mode, status, durationMs }) => {
        judgeRuns.inc({ mode, status });
        judgeDuration.observe({ mode }, durationMs / 1000);
      });
    },
    /**
     * The PostgreSQL pool, read when scraped: connections busy and idle against the limit, queries
     * waiting for one, and the LISTEN connection. PGlite (one in-process connection) has none.
     */
    observeDatabase(database: DatabaseHandle) {
      const stats = database.poolStats?.bind(database);
      if (!stats) return;
      const gauge = scrapedGauges(registry, stats);
      gauge('db_pool_max_connections', 'The pool size limit (DATABASE_POOL_MAX)', (s) => s.max);
      gauge(
        'db_pool_connections_busy',
        'Pool connections running a query or transaction',
        (s) => s.total - s.idle,
      );
      gauge('db_pool_connections_idle', 'Pool connections open and idle', (s) => s.idle);
      gauge('db_pool_waiting', 'Queries waiting for a pool connection', (s) => s.waiting);
      gauge('db_listener_up', 'Whether the LISTEN connection is up (1) or reconnecting (0)', (s) =>
        s.listening ? 1 : 0,
      );
    },
    observeRequest(route: string, method: string, status: number, seconds: number) {
      httpRequests.inc({ route, method, status: String(status) });
      httpDuration.observe({ route, method }, seconds);
    },
    observeProcedure(path: string, type: string, durationMs: number, ok: boolean) {
      procedureCalls.inc({ path, type, ok: String(ok) });
      if (type !== 'subscription') procedureDuration.observe({ path, type }, durationMs / 1000);
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
