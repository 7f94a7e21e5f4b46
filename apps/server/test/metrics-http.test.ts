import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, trpcGet, trpcPost } from './harness.ts';
import { captureLogs } from './log-capture.ts';

const TOKEN = 'metrics-token-0123456789abcdef';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('METRICS_TOKEN', () => {
  const logs = captureLogs();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_TOKEN: TOKEN }, { logger: logs.logger });
  });
  afterAll(() => server?.close());

  it('answers 401 without the token or with a wrong one, and the metrics with it', async () => {
    const none = await fetch(`${server.url}/metrics`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    for (const headers of [bearer('wrong'), bearer(`${TOKEN}x`), { authorization: TOKEN }]) {
      expect((await fetch(`${server.url}/metrics`, { headers })).status).toBe(401);
    }
    const ok = await fetch(`${server.url}/metrics`, { headers: bearer(TOKEN) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('http_requests_total');
  });

  it('leaves the health endpoints open', async () => {
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('logs health and metrics requests at debug, the others at info', async () => {
    await fetch(`${server.url}/ready`);
    await fetch(`${server.url}/metrics`, { headers: bearer(TOKEN) });
    await trpcGet(server.url, 'health.ping');
    const requestLine = (path: string) => logs.waitFor((l) => l.msg === 'request' && l.path === path);
    for (const path of ['/ping', '/health', '/ready', '/metrics']) {
      expect((await requestLine(path)).level, path).toBe(20);
    }
    expect((await requestLine('/trpc/health.ping')).level).toBe(30);
  });
});

describe('METRICS_PORT', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server?.close());

  it('serves /metrics on its own port, on the same host, and the main port answers 404 for it', async () => {
    expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.metricsUrl).not.toBe(server.url);
    expect((await fetch(`${server.url}/metrics`, { headers: bearer(TOKEN) })).status).toBe(404);
    const res = await fetch(`${server.metricsUrl}/metrics`, { headers: bearer(TOKEN) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('http_requests_total');
    expect((await fetch(`${server.metricsUrl}/metrics`)).status).toBe(401);
  });

  it('the metrics port serves nothing else; the main port still serves the rest', async () => {
    expect((await fetch(`${server.metricsUrl}/ping`)).status).toBe(404);
    expect((await fetch(`${server.url}/ping`)).status).toBe(200);
  });
});

describe('judge metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The starter pool, so a new user has a daily challenge to run.
    server = await startTestServer({ SEED_STARTER_POOL: 'true' });
  });
  afterAll(() => server?.close());

  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();

  it('shows the queue, the workers, and each run by mode and verdict with its duration', async () => {
    const before = await scrape();
    expect(sample(before, 'judge_queue_depth')).toBe(0);
    expect(sample(before, 'judge_workers_busy')).toBe(0);
    expect(sample(before, 'judge_worker_restarts_total')).toBe(0);
    expect(sample(before, 'judge_runs_total{mode="run",status="missing_function"}')).toBeUndefined();

    const name = `m${Date.now().toString(36)}`;
    const signup = await trpcPost(
      server.url,
      'auth.signup',
      {
        email: `${name}@example.com`,
        password: 'a long passphrase 123',
        username: name,
        tokenDelivery: 'body',
      },
      { origin: server.url },
    );
    const token = (signup.body.result!.data.json as { accessToken: string }).accessToken;
    const auth = { authorization: `Bearer ${token}` };
    const daily = await trpcGet(server.url, 'challenges.daily', undefined, auth);
    const challengeId = (daily.body.result!.data.json as { challenge: { id: string } }).challenge.id;
    const run = await trpcPost(
      server.url,
      'challenges.run',
      { challengeId, code: 'const nothing = 1;' },
      { ...auth, origin: server.url },
    );
    expect((run.body.result!.data.json as { verdict: { status: string } }).verdict.status).toBe(
      'missing_function',
    );

    const after = await scrape();
    expect(sample(after, 'judge_runs_total{mode="run",status="missing_function"}')).toBe(1);
    expect(sample(after, 'judge_run_duration_seconds_count{mode="run"}')).toBe(1);
    expect(sample(after, 'judge_workers')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'judge_queue_depth')).toBe(0);
  });
});

describe('database pool metrics', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ DATABASE_POOL_MAX: '2' });
  });
  afterAll(() => server?.close());

  const scrape = async () => (await fetch(`${server.url}/metrics`)).text();

  it.runIf(databaseKind() === 'pg')(
    'shows connections busy against the limit, queries waiting, and the listener',
    async () => {
      // Three slow statements on a pool of two: two run, one waits for a connection.
      // (Drizzle's queries start when awaited: Promise.resolve starts them now.)
      const slow = [1, 2, 3].map(() => Promise.resolve(server.services.db.execute(sql`select pg_sleep(5)`)));
      const during = await scrape();
      await Promise.all(slow);
      const after = await scrape();
      expect(sample(during, 'db_pool_max_connections')).toBe(2);
      expect(sample(during, 'db_pool_connections_busy')).toBe(2);
      expect(sample(during, 'db_pool_waiting')).toBe(1);
      expect(sample(after, 'db_pool_connections_busy')).toBe(0);
      expect(sample(after, 'db_pool_waiting')).toBe(0);
      expect(sample(after, 'db_pool_connections_idle')).toBe(2);
      expect(sample(after, 'db_listener_up')).toBe(1);
    },
    60_000,
  );

  it.runIf(databaseKind() === 'pglite')(
    'has no pool series on the embedded database (one in-process connection)',
    async () => {
      const text = await scrape();
      expect(text).toContain('judge_queue_depth');
      expect(text).not.toContain('db_pool_');
    },
  );
});

/** The value of one sample line, e.g. `judge_runs_total{mode="run",status="wrong_answer"}`. */
function sample(text: string, series: string) {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

function databaseKind() {
  return process.env.TEST_DATABASE_URL ? 'pg' : 'pglite';
}
