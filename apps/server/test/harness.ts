import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEmptyPgDatabase, prepareMigratedDataDir } from '@skillbytes/db/testing';
import pino from 'pino';
import { type ServerConfig, loadConfig } from '../src/config.ts';
import { type RunningServer, type StartOptions, startServer } from '../src/server.ts';

const serverDir = fileURLToPath(new URL('..', import.meta.url));
/** Test servers keep their starter snapshot in the temp dir, never in the user's ~/.cache. */
const TEST_CACHE_DIR = path.join(tmpdir(), 'skillbytes-test-cache');

/** A database for one test server: a fresh PostgreSQL database when TEST_DATABASE_URL is set, else a temp PGlite dir. */
export async function testDatabaseEnv(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sb-test-'));
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (adminUrl) {
    const pg = await createEmptyPgDatabase(adminUrl);
    return {
      env: { DATABASE_URL: pg.url, DATA_DIR: dataDir },
      async cleanup() {
        await pg.drop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  // Starting from a migrated copy skips PGlite's slow initdb; the server still runs its migrations.
  await prepareMigratedDataDir(path.join(dataDir, 'pglite'));
  return {
    env: { DATA_DIR: dataDir },
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export type TestServer = RunningServer & {
  config: ServerConfig;
  /** Stops this server and starts a new one on the same database and port (as after a deploy). */
  restart(): Promise<TestServer>;
  close(): Promise<void>;
};

/**
 * Test servers serve the API only unless a test names a built web app (WEB_DIST): whether
 * apps/web/dist happens to exist must not change what an unknown path answers.
 */
const noWebApp = (dataDir: string | undefined) => path.join(dataDir ?? tmpdir(), 'no-web-app');

/** The real server in this process on an ephemeral port, with its own database. */
export async function startTestServer(
  env: Record<string, string> = {},
  opts: StartOptions = {},
): Promise<TestServer> {
  return startOnDatabase(await testDatabaseEnv(), env, opts);
}

async function startOnDatabase(
  db: Awaited<ReturnType<typeof testDatabaseEnv>>,
  env: Record<string, string>,
  opts: StartOptions,
): Promise<TestServer> {
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    JWT_SECRET: 'test-secret-test-secret-test-secret-0123456789',
    MFA_ENCRYPTION_KEY: 'BQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU=',
    JUDGE_WORKERS: '1',
    WEB_DIST: noWebApp(db.env.DATA_DIR),
    CACHE_DIR: TEST_CACHE_DIR,
    ...db.env,
    ...env,
  });
  const server = await startServer(config, { logger: pino({ level: 'silent' }), ...opts });
  let isHandedOver = false;
  return {
    ...server,
    config,
    async restart() {
      await server.shutdown();
      isHandedOver = true;
      return startOnDatabase(db, { ...env, PORT: String(server.port) }, opts);
    },
    async close() {
      await server.shutdown();
      if (!isHandedOver) await db.cleanup();
    },
  };
}

export type ServerProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** The port of the "server listening" line, in JSON or in LOG_FORMAT=pretty's readable form. */
function listeningPort(line: string): number | undefined {
  try {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    return entry.msg === 'server listening' ? entry.port : undefined;
  } catch {
    const match = /\bserver listening\b.*"port":\s*(\d+)/.exec(line);
    return match ? Number(match[1]) : undefined;
  }
}

/** The real server as a child process (`node --import tsx src/main.ts`); resolves once it listens. */
export async function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: serverDir,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      JUDGE_WORKERS: '1',
      WEB_DIST: noWebApp(env.DATA_DIR),
      CACHE_DIR: TEST_CACHE_DIR,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  child.stderr?.on('data', (d) => logs.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${logs.join('')}`)), 150_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      logs.push(line);
      const port = listeningPort(line);
      if (port) {
        clearTimeout(timer);
        resolve(port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join('\n')}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    child,
    logs,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** POST a tRPC mutation as a browser or CLI would (JSON, superjson envelope). */
export async function trpcPost(
  url: string,
  procedure: string,
  input: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${url}/trpc/${procedure}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ json: input }),
  });
  return { res, body: (await res.json()) as TrpcBody };
}

export async function trpcGet(
  url: string,
  procedure: string,
  input?: unknown,
  headers: Record<string, string> = {},
) {
  const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await fetch(`${url}/trpc/${procedure}${q}`, { headers });
  return { res, body: (await res.json()) as TrpcBody };
}

export type TrpcBody = {
  result?: { data: { json: unknown } };
  error?: {
    json: {
      message: string;
      code: number;
      data: {
        code: string;
        httpStatus: number;
        appCode: string;
        stack?: string;
        zodIssues?: unknown;
        details?: unknown;
        retryAfter?: number;
      };
    };
  };
};
