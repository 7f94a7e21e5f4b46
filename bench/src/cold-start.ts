/**
 * How long `pnpm start` takes to answer `GET /ready` on the embedded database (issue 14 item 3). Spawns the
 * built server as `pnpm start` runs it (`node --conditions=skillbytes-built dist/main.js` in apps/server,
 * NODE_ENV=production, PORT=0, JWT_SECRET set, a temporary DATA_DIR and CACHE_DIR) and times, from the
 * spawn, its `server listening` log line and the first 200 from /ready. Cases, in turn each round:
 *
 * - `fresh`: a new DATA_DIR, with the starter snapshot already in the cache (what `pnpm start`'s build
 *   step leaves, and any start after the first);
 * - `existing`: the same DATA_DIR again, started and stopped before;
 * - `empty-cache`: a new DATA_DIR and a new, empty cache: the slow path (initdb, migrations, seed) that
 *   also writes the snapshot.
 *
 * Then one more start per case with LOG_LEVEL=debug, whose `startup phases` line says where the time went.
 * It builds nothing: build the server first. Writes nothing into the repository unless `--out FILE`.
 *
 *   node --import tsx src/cold-start.ts [--rounds 5] [--cases fresh,existing,empty-cache] [--out FILE]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './results.ts';

const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const serverDir = path.join(repoDir, 'apps/server');
/** What the built server imports under --conditions=skillbytes-built: every one must exist. */
const BUILT = [
  'apps/server/dist/main.js',
  'packages/api/dist/index.js',
  'packages/db/dist/index.js',
  'packages/shared/dist/index.js',
];
const CASES = ['fresh', 'existing', 'empty-cache'] as const;
type Case = (typeof CASES)[number];
const START_TIMEOUT_MS = 120_000;
/** Issue #14: a fresh embedded database ready in < 3 s, an existing one in < 1.5 s. */
const TARGETS: [Case, number][] = [
  ['fresh', 3000],
  ['existing', 1500],
];

type Phases = Record<string, { atMs: number; ms: number }>;
/** CPU ms is the server's user + system time (all threads) at ready: what the start cost, whatever the neighbours took. */
type Start = { listenMs: number; readyMs: number; cpuMs: number; phases: Phases | undefined };

/** CPU time (user + system, all threads) a process has used so far, in ms, from /proc (Linux; 100 ticks/s). */
function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** One start of the built server: spawn, wait for the listening line, poll /ready, stop it. */
async function startOnce(dirs: { dataDir: string; cacheDir: string }, debug: boolean): Promise<Start> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--conditions=skillbytes-built', 'dist/main.js'], {
    cwd: serverDir,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: '0',
      DATA_DIR: dirs.dataDir,
      CACHE_DIR: dirs.cacheDir,
      JWT_SECRET: randomBytes(36).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      LOG_LEVEL: debug ? 'debug' : 'info',
      LOG_FORMAT: 'json',
      DATABASE_URL: '',
      INIT_CWD: dirs.dataDir,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const logs: string[] = [];
    let phases: Phases | undefined;
    const listening = new Promise<{ port: number; at: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no listening line in time')), START_TIMEOUT_MS);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        logs.push(line);
        let entry: { msg?: string; port?: number; phases?: Phases };
        try {
          entry = JSON.parse(line);
        } catch {
          return;
        }
        if (entry.msg === 'server listening' && entry.port) {
          clearTimeout(timer);
          resolve({ port: entry.port, at: performance.now() });
        }
        if (entry.msg === 'startup phases') phases = entry.phases;
      });
      createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the server exited with ${code}:\n${logs.join('\n')}`));
      });
    });
    const { port, at } = await listening;
    for (;;) {
      if (performance.now() - started > START_TIMEOUT_MS) throw new Error('/ready never answered 200');
      const status = await fetch(`http://127.0.0.1:${port}/ready`).then(
        (r) => r.arrayBuffer().then(() => r.status),
        () => 0,
      );
      if (status === 200) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - started;
    const cpuMs = cpuMsOf(child.pid!);
    // The debug line comes right after the listening one.
    if (debug) for (let i = 0; i < 100 && !phases; i++) await new Promise((r) => setTimeout(r, 10));
    return { listenMs: at - started, readyMs, cpuMs, phases };
  } finally {
    await stop(child);
  }
}

async function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(killer);
}

const ms = (n: number) => `${Math.round(n)}`.padStart(6);
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ');

async function main() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '5' },
      cases: { type: 'string', default: CASES.join(',') },
      out: { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a whole number ≥ 1');
  const cases = values.cases!.split(',') as Case[];
  const unknown = cases.filter((c) => !CASES.includes(c));
  if (unknown.length)
    throw new Error(`unknown case(s) ${unknown.join(', ')}: the cases are ${CASES.join(', ')}`);
  const missing = BUILT.filter((f) => !existsSync(path.join(repoDir, f)));
  if (missing.length) {
    throw new Error(
      `cold-start.ts times the built server and builds nothing; missing ${missing.join(', ')}. ` +
        'Build it first: `pnpm exec turbo run build --filter=@skillbytes/server...` (or run `pnpm start` once).',
    );
  }

  const lines: string[] = [];
  const say = (line = '') => {
    lines.push(line);
    console.log(line);
  };
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sb-cold-start-'));
  let fresh = 0;
  const newDir = (name: string) => {
    const dir = path.join(tmp, `${name}-${fresh++}`);
    mkdirSync(dir);
    return dir;
  };
  try {
    say(
      `# bench/src/cold-start.ts, ${new Date().toISOString()}, node ${process.version}, ${os.cpus().length} cores`,
    );
    say(
      `# ${rounds} round(s) of: ${cases.join(', ')}; wall ms from spawn, cpu = the server's CPU ms at ready; load average at start ${load()}`,
    );
    // The fresh case's cache is filled by one start first, as `pnpm start`'s build step fills the user's.
    const sharedCache = newDir('cache');
    const existingDir = newDir('data');
    if (cases.includes('fresh')) await startOnce({ dataDir: newDir('data'), cacheDir: sharedCache }, false);
    if (cases.includes('existing')) await startOnce({ dataDir: existingDir, cacheDir: sharedCache }, false);
    const dirsFor = (c: Case) =>
      c === 'fresh'
        ? { dataDir: newDir('data'), cacheDir: sharedCache }
        : c === 'existing'
          ? { dataDir: existingDir, cacheDir: sharedCache }
          : { dataDir: newDir('data'), cacheDir: newDir('cache') };

    const results = new Map<Case, Start[]>(cases.map((c) => [c, []]));
    for (let round = 1; round <= rounds; round++) {
      const row: string[] = [];
      for (const c of cases) {
        const start = await startOnce(dirsFor(c), false);
        results.get(c)!.push(start);
        row.push(`${c} ${Math.round(start.listenMs)}/${Math.round(start.readyMs)}/${start.cpuMs}`);
      }
      say(`round ${round}: ${row.join('  ')}   (listen/ready/cpu; load ${load()})`);
    }
    say();
    say('case           listen median    min    max   ready median    min    max   cpu median    min    max');
    const columns = (values: number[]) =>
      `${ms(median(values))}        ${ms(Math.min(...values))} ${ms(Math.max(...values))}`;
    for (const c of cases) {
      const starts = results.get(c)!;
      say(
        `${c.padEnd(14)} ${columns(starts.map((s) => s.listenMs))}  ${columns(starts.map((s) => s.readyMs))}` +
          `  ${columns(starts.map((s) => s.cpuMs))}`,
      );
    }
    say();
    // Issue #14's targets, read by the bench's summary (src/targets.ts): medians of time to /ready.
    for (const [c, limitMs] of TARGETS) {
      const starts = results.get(c);
      if (!starts) continue;
      const readyMs = Math.round(median(starts.map((s) => s.readyMs)));
      say(
        `target ${c} DATA_DIR ready < ${limitMs} ms: ${readyMs < limitMs ? 'met' : 'NOT met'} (${readyMs} ms)`,
      );
    }
    say();
    say(
      'phases of one more start per case (LOG_LEVEL=debug): ms the phase took (its end, in ms since the process started)',
    );
    for (const c of cases) {
      const { phases, readyMs, cpuMs } = await startOnce(dirsFor(c), true);
      const parts = Object.entries(phases ?? {}).map(([name, p]) => `${name} ${p.ms} (${p.atMs})`);
      say(
        `${c.padEnd(14)} ${parts.join(', ') || 'no phases logged'}; ready ${Math.round(readyMs)}, cpu ${cpuMs}`,
      );
    }
    say(`# load average at end ${load()}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (values.out) writeFileSync(values.out, `${lines.join('\n')}\n`);
}

await main();
