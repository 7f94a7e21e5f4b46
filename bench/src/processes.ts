import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const serverDir = fileURLToPath(new URL('../../apps/server/', import.meta.url));

/** A server under test, running as a child process of the bench. */
export type ServerProcess = {
  /** 'ours' (apps/server) or 'floor' (bench/src/floor.ts). */
  kind: 'ours' | 'floor';
  label: string;
  url: string;
  port: number;
  pid: number;
  /** The last lines it printed (for error reports). */
  logs: string[];
  rssMb(): number;
  cpuMs(): number;
  stop(): Promise<void>;
};

const running = new Set<ServerProcess>();

/** Ends every server this process started (on failure or Ctrl-C). */
export async function stopAllServers(): Promise<void> {
  await Promise.allSettled([...running].map((p) => p.stop()));
}

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc (Linux; 100 ticks/s). */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/**
 * CPU used so far by PostgreSQL's backends serving the database at `url` (same machine: read from /proc).
 * A backend that exits takes its CPU time with it; the pools here keep their connections, so none do.
 */
export async function databaseCpuMeter(
  url: string,
): Promise<{ read(): Promise<number>; close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async read() {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      return rows.reduce((sum, r) => sum + cpuMsOf(r.pid), 0);
    },
    close: () => client.end(),
  };
}

/** Resident set size of a process, from /proc (Linux). */
export function rssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

type SpawnOptions = {
  kind: 'ours' | 'floor';
  label: string;
  cwd: string;
  script: string;
  env: Record<string, string>;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  startTimeoutMs?: number;
};

/** A port nobody listens on right now (the server's own `listening` line is an info log, off at LOG_LEVEL=warn). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function answersPing(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

async function spawnServer(opts: SpawnOptions): Promise<ServerProcess> {
  const fixedPort = await freePort();
  opts.env.PORT = String(fixedPort);
  const child: ChildProcess = spawn(
    process.execPath,
    [...(opts.nodeArgs ?? []), '--import', 'tsx', opts.script],
    {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > 200) logs.shift();
  };
  // Both streams are always drained: a full pipe would block the server's logger and stall it.
  createInterface({ input: child.stderr! }).on('line', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${opts.label} did not start in time:\n${logs.join('\n')}`)),
      opts.startTimeoutMs ?? 120_000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'server listening' && entry.port) {
          clearTimeout(timer);
          clearInterval(poll);
          resolve(entry.port);
        }
      } catch {}
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      reject(new Error(`${opts.label} exited with ${code}:\n${logs.join('\n')}`));
    });
    const poll = setInterval(async () => {
      if (await answersPing(`http://127.0.0.1:${fixedPort}`)) {
        clearTimeout(timer);
        clearInterval(poll);
        resolve(fixedPort);
      }
    }, 200);
    child.once('exit', () => clearInterval(poll));
  });
  let stopping: Promise<void> | undefined;
  const proc: ServerProcess = {
    kind: opts.kind,
    label: opts.label,
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    logs,
    rssMb: () => rssMbOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
          await exited;
          clearTimeout(killer);
        }
        running.delete(proc);
      })();
      return stopping;
    },
  };
  running.add(proc);
  return proc;
}

export type OurServerOptions = {
  label?: string;
  /** PostgreSQL; absent means the embedded PGlite database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  jwtSecret: string;
  poolMax: number;
  nodeArgs?: string[];
  env?: Record<string, string>;
};

/** apps/server as `node --import tsx src/main.ts`, logging only warnings so logging stays out of the figures. */
export function startOurServer(opts: OurServerOptions): Promise<ServerProcess> {
  return spawnServer({
    kind: 'ours',
    label: opts.label ?? 'ours',
    cwd: serverDir,
    script: 'src/main.ts',
    nodeArgs: opts.nodeArgs,
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      JUDGE_WORKERS: '1',
      JWT_SECRET: opts.jwtSecret,
      // The bench signs in once per dataset and then runs for many minutes on those tokens.
      ACCESS_TOKEN_TTL_SEC: '3600',
      SEED_STARTER_POOL: 'false',
      DATA_DIR: opts.dataDir,
      DATABASE_POOL_MAX: String(opts.poolMax),
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : { DATABASE_URL: '' }),
      ...opts.env,
    },
  });
}

export type FloorOptions = {
  label?: string;
  databaseUrl: string;
  jwtSecret: string;
  poolMax: number;
  nodeArgs?: string[];
};

/** bench/src/floor.ts, started the same way as our server (node + tsx, own process). */
export function startFloorServer(opts: FloorOptions): Promise<ServerProcess> {
  return spawnServer({
    kind: 'floor',
    label: opts.label ?? 'floor',
    cwd: benchDir,
    script: 'src/floor.ts',
    nodeArgs: opts.nodeArgs,
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: opts.databaseUrl,
      JWT_SECRET: opts.jwtSecret,
      DATABASE_POOL_MAX: String(opts.poolMax),
    },
  });
}
