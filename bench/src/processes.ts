import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
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
function cpuMsOf(pid: number): number {
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
function rssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

type ServerOptions = {
  label?: string;
  /** PostgreSQL; absent (ours only) means the embedded PGlite database in `dataDir`. */
  databaseUrl?: string | undefined;
  jwtSecret: string;
  poolMax: number;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
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

/** Starts `node --import tsx <script>` on a free port and waits (up to 2 minutes) until it answers /ping. */
async function spawnServer(
  kind: ServerProcess['kind'],
  opts: ServerOptions,
  script: string,
  env: Record<string, string>,
): Promise<ServerProcess> {
  const url = `http://127.0.0.1:${await freePort()}`;
  const label = opts.label ?? kind;
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', script], {
    cwd: kind === 'ours' ? serverDir : benchDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      JWT_SECRET: opts.jwtSecret,
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      DATABASE_URL: opts.databaseUrl ?? '',
      DATABASE_POOL_MAX: String(opts.poolMax),
      ...env,
      PORT: new URL(url).port,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const keep = (line: string) => {
    logs.push(line);
    if (logs.length > 200) logs.shift();
  };
  // Both streams are always drained: a full pipe would block the server's logger and stall it.
  createInterface({ input: child.stdout }).on('line', keep);
  createInterface({ input: child.stderr }).on('line', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const deadline = Date.now() + 120_000;
  while (!(await answersPing(url))) {
    if (hasExited) throw new Error(`${label} exited with ${await exited}:\n${logs.join('\n')}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${label} did not start in time:\n${logs.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  let stopping: Promise<void> | undefined;
  const proc: ServerProcess = {
    kind,
    label,
    url,
    rssMb: () => rssMbOf(child.pid!),
    cpuMs: () => cpuMsOf(child.pid!),
    stop() {
      stopping ??= (async () => {
        if (!hasExited) {
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

/** apps/server as `node --import tsx src/main.ts`, logging only warnings so logging stays out of the figures. */
export function startOurServer(
  opts: ServerOptions & { dataDir: string; env?: Record<string, string> },
): Promise<ServerProcess> {
  return spawnServer('ours', opts, 'src/main.ts', {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    JUDGE_WORKERS: '1',
    // The bench signs in once per dataset and then runs for many minutes on those tokens.
    ACCESS_TOKEN_TTL_SEC: '3600',
    SEED_STARTER_POOL: 'false',
    // The challenges.submit scenario measures the judge, as the runs before #7 did: without the 500 ms
    // response quantum, 4 connections could never exceed 8 submits/s (judge-fairness.ts keeps it on).
    JUDGE_SUBMIT_QUANTUM_MS: '0',
    // The bench's 1000 accounts submit today's challenge again and again (the mixed profile, then the submit
    // scenario, at one size): past 5 per account the product's per-challenge limit answers 429, which would
    // measure the throttle (its tests cover it), not the judge.
    JUDGE_SUBMITS_PER_CHALLENGE: '10000',
    DATA_DIR: opts.dataDir,
    ...opts.env,
  });
}

/** bench/src/floor.ts, started the same way as our server (node + tsx, own process). */
export function startFloorServer(opts: ServerOptions & { databaseUrl: string }): Promise<ServerProcess> {
  return spawnServer('floor', opts, 'src/floor.ts', {});
}
