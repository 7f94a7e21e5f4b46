/**
 * Records the SQL statements our procedures send to PostgreSQL, by calling them in this process through
 * the real router (`appRouter.createCaller`) while `pg.Client#query` is observed. Used to keep the floor
 * honest (a test checks it sends the very same statements), to count round trips per request, and to
 * EXPLAIN ANALYZE exactly what a request runs at each dataset size.
 *
 *   node --import tsx src/sql-capture.ts --url postgres://.../sb_bench_x [--explain]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  type ApiConfig,
  appRouter,
  createCallerFactory,
  createContextInner,
  createServices,
  defaultApiConfig,
} from '@skillbytes/api';
import { createDatabase } from '@skillbytes/db';
import pg from 'pg';
import { ADMIN_EMAIL, BENCH_PASSWORD, userEmail } from './dataset.ts';
import { READ_SCENARIOS, type ReadRequest } from './scenarios.ts';

type CapturedQuery = { text: string; values: unknown[] };

type QueryFn = (this: pg.Client, ...args: unknown[]) => unknown;
const clientProto = pg.Client.prototype as unknown as { query: QueryFn };
const originalQuery = clientProto.query;
let sink: CapturedQuery[] | null = null;

function observeQueries() {
  if (clientProto.query !== originalQuery) return;
  clientProto.query = function (this: pg.Client, ...args: unknown[]) {
    if (sink) {
      const [config, values] = args;
      if (typeof config === 'string')
        sink.push({ text: config, values: Array.isArray(values) ? values : [] });
      else if (config && typeof config === 'object' && 'text' in config) {
        const c = config as { text: string; values?: unknown[] };
        sink.push({ text: c.text, values: c.values ?? (Array.isArray(values) ? values : []) });
      }
    }
    return originalQuery.apply(this, args);
  };
}

/** Runs `fn` and returns the statements this process sent to PostgreSQL meanwhile (run nothing else alongside). */
export async function captureQueries<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; queries: CapturedQuery[] }> {
  observeQueries();
  const queries: CapturedQuery[] = [];
  sink = queries;
  try {
    return { result: await fn(), queries };
  } finally {
    sink = null;
  }
}

type ProcedureCapture = ReadRequest & { queries: CapturedQuery[]; output: unknown };

export type SqlCapturer = {
  /** Signs in (auth.login, body tokens) as the user with this email; later calls carry the token. */
  signIn(email: string): Promise<{ userId: string; accessToken: string }>;
  /** Calls a procedure (`leaderboard.top`, as on the wire) and returns the statements it sent. */
  capture(call: ReadRequest): Promise<ProcedureCapture>;
  close(): Promise<void>;
};

/** The real services on `url` (a pool of one, so statements come in order), and a caller. */
export async function createSqlCapturer(url: string, config: Partial<ApiConfig> = {}): Promise<SqlCapturer> {
  observeQueries();
  const database = createDatabase({ url, poolMax: 1 });
  // Tokens it signs are only ever verified by this process: throwaway keys unless the caller names them.
  const jwtKeys = [{ kid: 'capture', secret: randomBytes(32) }];
  const mfaEncryptionKey = randomBytes(32);
  // Every call reads what it reads: no first page of the leaderboard answered from memory.
  const services = await createServices({
    database,
    config: defaultApiConfig({ jwtKeys, mfaEncryptionKey, leaderboardCacheMs: 0, ...config }),
  });
  const createCaller = createCallerFactory(appRouter);
  let bearer: string | undefined;
  const callerNow = () =>
    createCaller(
      createContextInner({ services, credentials: { bearer }, req: { ip: '127.0.0.1', userAgent: 'bench' } }),
    );
  const invoke = (path: string, input: unknown) => {
    let target: unknown = callerNow();
    for (const key of path.split('.')) target = (target as Record<string, unknown>)[key];
    return (target as (input: unknown) => Promise<unknown>)(input);
  };
  return {
    async signIn(email) {
      const out = (await invoke('auth.login', {
        identifier: email,
        password: BENCH_PASSWORD,
        tokenDelivery: 'body',
      })) as {
        user: { id: string };
        accessToken: string;
      };
      bearer = out.accessToken;
      return { userId: out.user.id, accessToken: out.accessToken };
    },
    async capture(call) {
      const { result, queries } = await captureQueries(() => invoke(call.procedure, call.input));
      return { ...call, queries, output: result };
    },
    async close() {
      await services.close();
      await database.close();
    },
  };
}

/** A statement with its parameters inlined as literals (for EXPLAIN, which takes no bind parameters here). */
function inlineParams(q: CapturedQuery): string {
  return q.text.replace(/\$(\d+)/g, (_, n: string) => literal(q.values[Number(n) - 1]));
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof Date) return `'${v.toISOString()}'`;
  if (Array.isArray(v)) return `'{${v.map((x) => JSON.stringify(String(x))).join(',')}}'`;
  return `'${String(v).replaceAll("'", "''")}'`;
}

type ExplainedQuery = {
  text: string;
  executionMs: number;
  /** Plan node types with their relation, e.g. "Index Scan on users", "Seq Scan on completions". */
  nodes: string[];
  plan: string;
};

/** EXPLAIN (ANALYZE, BUFFERS) of every SELECT a procedure ran, on its own connection (read-only statements only). */
export async function explainCapture(url: string, capture: ProcedureCapture): Promise<ExplainedQuery[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const out: ExplainedQuery[] = [];
  try {
    for (const q of capture.queries) {
      const text = q.text.trim();
      if (!/^(\(|select|with)/i.test(text)) continue;
      // Twice, keeping the second: the first run in a fresh backend also pays for loading the catalog
      // entries of every table and index it touches, which a pooled connection has long paid.
      await client.query(`explain (analyze) ${inlineParams(q)}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `explain (analyze, buffers) ${inlineParams(q)}`,
      );
      const lines = rows.map((r) => r['QUERY PLAN']);
      const executionMs = lines.map((l) => /^Execution Time: ([0-9.]+) ms/.exec(l)?.[1]).find(Boolean);
      out.push({
        text: q.text,
        executionMs: Number(executionMs ?? 0),
        nodes: lines.flatMap((l) => {
          // "Index Scan using users_pkey on users u  (cost=...": the node as PostgreSQL names it.
          const m = /^\s*(?:->\s+)?([A-Z].*?)\s+\(cost=/.exec(l);
          return m ? [m[1]!] : [];
        }),
        plan: lines.join('\n'),
      });
    }
  } finally {
    await client.end();
  }
  return out;
}

async function main() {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      user: { type: 'string', default: '2' },
      explain: { type: 'boolean', default: false },
    },
  });
  if (!values.url) throw new Error('--url postgres://... of a loaded bench database');
  const capturer = await createSqlCapturer(values.url);
  try {
    const email = values.user === 'admin' ? ADMIN_EMAIL : userEmail(Number(values.user));
    await capturer.signIn(email);
    for (const call of Object.values(READ_SCENARIOS)) {
      const cap = await capturer.capture(call);
      console.log(
        `\n=== ${call.procedure} ${JSON.stringify(call.input ?? {})}: ${cap.queries.length} statements`,
      );
      for (const q of cap.queries) console.log(`  ${q.text}\n    -- ${JSON.stringify(q.values)}`);
      if (values.explain) {
        for (const e of await explainCapture(values.url, cap)) {
          console.log(`  [${e.executionMs.toFixed(3)} ms] ${e.nodes.join(' > ')}`);
        }
      }
    }
  } finally {
    await capturer.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
