import autocannon from 'autocannon';
import type { ServerProcess } from './processes.ts';
import { round } from './results.ts';

/** One HTTP request of a workload. */
export type RequestPlan = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
};

/**
 * What the load generator sends. `plan(slot, n)` gives the n-th request of connection `slot`
 * (0 ≤ slot < connections): each connection acts for its own users, so no user ever has two requests
 * in flight (the judge allows one run per user at a time, and logins of one account are serialised).
 */
export type Workload = {
  name: string;
  connections: number;
  plan(slot: number, n: number): RequestPlan;
  /**
   * The load generator stops at the deadline without waiting for requests in flight; the server still
   * finishes them. For slow requests (judging) wait that long before the next run, so a user's judge slot
   * is free again and the next run does not pay for this one's leftovers.
   */
  settles?: boolean;
};

export type Measurement = {
  scenario: string;
  target: string;
  connections: number;
  /** 2xx responses per second. */
  rps: number;
  /** Milliseconds, 2xx responses only (autocannon's histogram). */
  latency: { p50: number; p99: number; max: number };
  /** Non-2xx responses and socket errors (timeouts included); must be 0. */
  errors: number;
  statusCodes: Record<string, number>;
  /** Server resident memory sampled every 250 ms during the run (MB). */
  rss: { maxMb: number; endMb: number };
  /**
   * Event-loop delay p99 over the run (ms): prom-client's nodejs_eventloop_lag_p99_seconds, i.e.
   * perf_hooks.monitorEventLoopDelay with a 10 ms resolution, reset at each scrape (one scrape just before
   * the run, one just after). An idle loop reads about 10 ms: the resolution itself.
   */
  eventLoopP99Ms: number | null;
  /** CPU time the server process(es) used during the run per 2xx response (ms; all threads, from /proc). */
  cpuMsPerRequest: number;
  /** CPU time PostgreSQL's backends for this database used during the run per 2xx response (ms), when measured. */
  dbCpuMsPerRequest?: number;
  /** When there were errors: one request of the workload replayed outside the load, and its answer. */
  errorSample?: string;
};

/** Scrapes /metrics (which also resets prom-client's event-loop histogram) and returns the p99 in ms. */
async function scrapeEventLoopP99(baseUrl: string): Promise<number | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`);
    const text = await res.text();
    const m = /^nodejs_eventloop_lag_p99_seconds(?:\{[^}]*\})? ([0-9.eE+-]+)$/m.exec(text);
    return m ? Number(m[1]) * 1000 : null;
  } catch {
    return null;
  }
}

/**
 * Runs a workload against one server (or several, connections split evenly over them) for a fixed
 * duration, sampling the servers' RSS and their event-loop delay meanwhile.
 */
export async function measure(
  targets: ServerProcess | ServerProcess[],
  workload: Workload,
  opts: { durationSec: number; label?: string; dbCpuMs?: () => Promise<number> },
): Promise<Measurement> {
  const servers = Array.isArray(targets) ? targets : [targets];
  await Promise.all(servers.map((s) => scrapeEventLoopP99(s.url)));
  const rssOf = () => servers.reduce((sum, s) => sum + s.rssMb(), 0);
  const rss = { maxMb: rssOf(), endMb: 0 };
  const sampler = setInterval(() => {
    rss.maxMb = Math.max(rss.maxMb, rssOf());
  }, 250);

  const cpuBefore = servers.reduce((sum, s) => sum + s.cpuMs(), 0);
  const dbCpuBefore = opts.dbCpuMs ? await opts.dbCpuMs() : 0;
  let nextSlot = 0;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(
      {
        // autocannon spreads the connections over several URLs round-robin.
        url: (servers.length === 1 ? servers[0]!.url : servers.map((s) => s.url)) as string,
        connections: workload.connections,
        duration: opts.durationSec,
        timeout: 30,
        pipelining: 1,
        setupClient(client: autocannon.Client) {
          const slot = nextSlot++ % workload.connections;
          let n = 0;
          (client as unknown as { setRequests(r: autocannon.Request[]): void }).setRequests([
            {
              // `req` carries autocannon's defaults (host, port): keep them, replace the rest.
              setupRequest: (req: autocannon.Request) => {
                const p = workload.plan(slot, n++);
                return { ...req, method: p.method, path: p.path, headers: p.headers, body: p.body ?? '' };
              },
            },
          ]);
        },
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  if (workload.settles) await new Promise((r) => setTimeout(r, Math.min(5_000, result.latency.max + 250)));
  clearInterval(sampler);
  const cpuUsed = servers.reduce((sum, s) => sum + s.cpuMs(), 0) - cpuBefore;
  const dbCpuUsed = opts.dbCpuMs ? (await opts.dbCpuMs()) - dbCpuBefore : undefined;
  rss.endMb = rssOf();
  rss.maxMb = Math.max(rss.maxMb, rss.endMb);
  const eld = await Promise.all(servers.map((s) => scrapeEventLoopP99(s.url)));
  const eldValues = eld.filter((v): v is number => v !== null);

  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {}))
    statusCodes[code] = stat.count ?? 0;
  const ok = result['2xx'];
  const errorSample = result.non2xx > 0 ? await replayOne(servers[0]!.url, workload) : undefined;
  const { p50, p99, max } = result.latency;
  return {
    scenario: workload.name,
    target: opts.label ?? servers.map((s) => s.label).join('+'),
    connections: workload.connections,
    rps: ok / result.duration,
    latency: { p50, p99, max },
    errors: result.non2xx + result.errors,
    statusCodes,
    rss: { maxMb: round(rss.maxMb, 1), endMb: round(rss.endMb, 1) },
    eventLoopP99Ms: eldValues.length ? Math.max(...eldValues) : null,
    cpuMsPerRequest: ok > 0 ? round(cpuUsed / ok, 3) : 0,
    ...(dbCpuUsed !== undefined && ok > 0 ? { dbCpuMsPerRequest: round(dbCpuUsed / ok, 3) } : {}),
    ...(errorSample ? { errorSample } : {}),
  };
}

/** Sends requests of the workload one by one until one fails; returns that status and body. */
async function replayOne(baseUrl: string, workload: Workload): Promise<string> {
  for (let n = 0; n < 200; n++) {
    const p = workload.plan(n % workload.connections, Math.floor(n / workload.connections));
    const res = await fetch(`${baseUrl}${p.path}`, { method: p.method, headers: p.headers, body: p.body });
    const text = await res.text();
    if (res.status >= 300)
      return `${p.method} ${p.path.split('?')[0]} -> ${res.status} ${text.slice(0, 400)}`;
  }
  return 'no failing request in 200 replayed ones';
}

/** A tRPC GET path: `/trpc/<procedure>`, with the input superjson-wrapped in the query string. */
export const trpcPath = (procedure: string, input?: unknown) =>
  input === undefined
    ? `/trpc/${procedure}`
    : `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;

/** One request outside the load generator, for setup and error samples. */
export async function trpc(
  baseUrl: string,
  procedure: string,
  opts: { input?: unknown; token?: string; method?: 'GET' | 'POST' } = {},
): Promise<{ status: number; body: unknown; data: unknown }> {
  const isGet = (opts.method ?? 'GET') === 'GET';
  const headers: Record<string, string> = isGet ? {} : { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(`${baseUrl}${isGet ? trpcPath(procedure, opts.input) : `/trpc/${procedure}`}`, {
    method: isGet ? 'GET' : 'POST',
    headers,
    body: isGet ? undefined : JSON.stringify({ json: opts.input ?? null }),
  });
  const parsed = (await res.json()) as { result?: { data?: { json?: unknown } } };
  return { status: res.status, body: parsed, data: parsed.result?.data?.json };
}
