/**
 * `pnpm bench` (full) / `pnpm bench --quick`: datasets, load scenarios against our server and the
 * framework-free floor, the scaling table, two processes, real-time delivery, the soak, and the results
 * under bench/results/. Everything talks to 127.0.0.1 only and every phase is bounded in time.
 *
 * Flags: --quick, --sizes 10k,100k,1m, --scenarios a,b (read scenarios and/or mixed, auth.login,
 * challenges.submit, multi-process, realtime, pglite, profile, extras), --soak-minutes N, --skip-soak,
 * --seed N, --rounds N, --duration S, --connections N, --keep (do not drop the databases).
 * BENCH_DATABASE_URL: an admin connection (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createDatabase } from '@skillbytes/db';
import pg from 'pg';
import { ADMIN_EMAIL, BENCH_PASSWORD, formatCount, generateDataset, parseCount } from './dataset.ts';
import { type Measurement, measure, trpc, type Workload } from './load.ts';
import { mainThreadProfile, summarizeProfile } from './profile.ts';
import {
  databaseCpuMeter,
  type ServerProcess,
  startFloorServer,
  startOurServer,
  stopAllServers,
} from './processes.ts';
import { measureDelivery } from './realtime.ts';
import {
  type BenchResults,
  type FloorComparison,
  median,
  round,
  type ScalingRow,
  slope,
  summarize,
  toMarkdown,
} from './results.ts';
import {
  type BenchUser,
  type Fixture,
  loadDailies,
  loginWorkload,
  mixedWorkload,
  READ_SCENARIOS,
  readWorkload,
  sampleUsers,
  signIn,
  submitWorkload,
} from './scenarios.ts';
import { createSqlCapturer, explainCapture } from './sql-capture.ts';
import { adminQuery, migrate, pgClient, pgliteClient, withDatabase } from './sql-client.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const OPTIONAL = [
  'mixed',
  'auth.login',
  'challenges.submit',
  'multi-process',
  'realtime',
  'pglite',
  'profile',
  'extras',
];

type Settings = {
  mode: 'quick' | 'full';
  sizes: number[];
  scenarios: Set<string>;
  soakMinutes: number;
  seed: number;
  rounds: number;
  durationSec: number;
  warmupSec: number;
  connections: number;
  tokenUsers: number;
  loginUsers: number;
  poolMax: number;
  keep: boolean;
  adminUrl: string;
};

function parseSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      scenarios: { type: 'string' },
      'soak-minutes': { type: 'string' },
      'skip-soak': { type: 'boolean', default: false },
      seed: { type: 'string', default: '1' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string', default: '50' },
      keep: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  const quick = values.quick ?? false;
  const sizes = (values.sizes ?? (quick ? '10k' : '10k,100k,1m')).split(',').map(parseCount);
  const all = [...Object.keys(READ_SCENARIOS), ...OPTIONAL];
  const defaults = all.filter((s) => !(quick && ['pglite', 'extras', 'profile'].includes(s)));
  const scenarios = new Set(values.scenarios ? values.scenarios.split(',').map((s) => s.trim()) : defaults);
  for (const s of scenarios)
    if (!all.includes(s)) throw new Error(`unknown scenario ${s}; known: ${all.join(', ')}`);
  const rounds = Number(values.rounds ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
  return {
    mode: quick ? 'quick' : 'full',
    sizes,
    scenarios,
    soakMinutes: values['skip-soak'] ? 0 : Number(values['soak-minutes'] ?? (quick ? 1 : 5)),
    seed: Number(values.seed),
    rounds,
    durationSec: Number(values.duration ?? (quick ? 1 : 4)),
    warmupSec: quick ? 0.5 : 1,
    connections: Number(values.connections),
    tokenUsers: quick ? 200 : 1000,
    loginUsers: quick ? 100 : 200,
    poolMax: 10,
    keep: values.keep ?? false,
    adminUrl: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

const log = (line = '') => console.log(line);
const fmt = (m: Measurement) =>
  (m.errorSample ? `[errors ${JSON.stringify(m.statusCodes)}: ${m.errorSample}]\n      ` : '') +
  `${m.rps.toFixed(0).padStart(6)} rps  p50 ${m.latency.p50.toFixed(1).padStart(7)}  p99 ${m.latency.p99.toFixed(1).padStart(7)}  max ${m.latency.max.toFixed(0).padStart(6)}  err ${m.errors}  cpu ${m.cpuMsPerRequest.toFixed(2)}${m.dbCpuMsPerRequest !== undefined ? ` (+db ${m.dbCpuMsPerRequest.toFixed(2)})` : ''} ms/req  rss ${m.rss.maxMb.toFixed(0)} MB  eld ${m.eventLoopP99Ms?.toFixed(1) ?? '–'} ms`;

/** Databases and directories to remove however the run ends. */
const cleanup = { databases: new Set<string>(), dirs: new Set<string>(), adminUrl: '' };

async function cleanUp() {
  await stopAllServers();
  for (const name of cleanup.databases) {
    await adminQuery(cleanup.adminUrl, `drop database if exists "${name}" with (force)`).catch((e: Error) =>
      console.error(`could not drop ${name}: ${e.message}`),
    );
  }
  cleanup.databases.clear();
  for (const dir of cleanup.dirs) rmSync(dir, { recursive: true, force: true });
  cleanup.dirs.clear();
}

async function pgVersion(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v");
    return `PostgreSQL ${rows[0]?.v.split(' ')[0]}`;
  } finally {
    await client.end();
  }
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: benchDir, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** A separate, bounded child process (the other engineers' micro-benchmarks), its output kept. */
function runScript(
  script: string,
  timeoutMs: number,
  env: Record<string, string>,
): Promise<{ exitCode: number | null; output: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: benchDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({
        exitCode: code,
        output: output.slice(-20_000),
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

async function main() {
  const s = parseSettings(process.argv.slice(2));
  cleanup.adminUrl = s.adminUrl;
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  const runId = `sb_bench_${stamp}`;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
  cleanup.dirs.add(tmp);
  const jwtSecret = randomBytes(36).toString('base64url');
  const has = (name: string) => s.scenarios.has(name);
  const readNames = Object.keys(READ_SCENARIOS).filter(has);

  const results: BenchResults = {
    meta: {
      mode: s.mode,
      startedAt: startedAt.toISOString(),
      node: process.version,
      postgres: await pgVersion(s.adminUrl),
      cpus: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      loadAverageStart: os.loadavg(),
      commit: gitCommit(),
      settings: {
        sizes: s.sizes.map(formatCount),
        rounds: s.rounds,
        durationSec: s.durationSec,
        warmupSec: s.warmupSec,
        connections: s.connections,
        poolMax: s.poolMax,
        tokenUsers: s.tokenUsers,
        seed: s.seed,
        soakMinutes: s.soakMinutes,
      },
    },
    datasets: [],
    floor: [],
    scaling: [],
    queries: [],
    scenarios: [],
    pglite: [],
    multiProcess: null,
    realtime: [],
    soak: null,
    profiles: [],
    extras: [],
    findings: [],
  };
  log(
    `Skill Bytes bench (${s.mode}): sizes ${s.sizes.map(formatCount).join(', ')}, ${s.rounds} rounds × ${s.durationSec} s, ${s.connections} connections`,
  );
  log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${os.availableParallelism()} cores`,
  );

  const oursBySize = new Map<string, Map<string, Measurement[]>>();
  const floorBySize = new Map<string, Map<string, Measurement[]>>();
  const largest = s.sizes[s.sizes.length - 1]!;

  for (const size of s.sizes) {
    const label = formatCount(size);
    const dbName = `${runId}_${label}`;
    const url = withDatabase(s.adminUrl, dbName);
    log(`\n=== ${label} users: database ${dbName}`);
    await adminQuery(s.adminUrl, `create database "${dbName}"`);
    cleanup.databases.add(dbName);
    await migrate({ url });
    const client = await pgClient(url);
    try {
      const report = await generateDataset(client, { users: size, seed: s.seed, log });
      results.datasets.push({ ...report, label, database: 'pg' });
      log(`  dataset loaded in ${report.totalSeconds.toFixed(1)} s`);
    } finally {
      await client.close();
    }

    const dataDir = mkdtempSync(path.join(tmp, `ours-${label}-`));
    const ours = await startOurServer({ databaseUrl: url, dataDir, jwtSecret, poolMax: s.poolMax });
    const floor = await startFloorServer({ databaseUrl: url, jwtSecret, poolMax: s.poolMax });

    const t0 = performance.now();
    const signed = await signIn(ours.url, sampleUsers(size, Math.min(s.tokenUsers, size)), 4);
    const dailies = await loadDailies(
      url,
      signed.map((u) => u.userId),
    );
    const users: BenchUser[] = signed.map((u) => ({ ...u, daily: dailies.get(u.userId) ?? null }));
    // Login accounts sit between the token users (half a token stride further), so the two sets are disjoint.
    const tokenStride = Math.max(2, Math.floor(size / s.tokenUsers));
    const taken = new Set(signed.map((u) => u.i));
    const loginIdx = sampleUsers(size, Math.min(s.loginUsers, size), Math.floor(tokenStride / 2)).filter(
      (i) => !taken.has(i),
    );
    if (has('auth.login') && loginIdx.length < 8)
      throw new Error('not enough accounts for the login scenario');
    const fixture: Fixture = { users, loginEmails: loginIdx.map((i) => `user${i}@bench.local`) };
    log(`  signed in ${users.length} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // --- ours vs floor, alternating, after a warm-up of both ----------------------------------------------
    const runs = new Map<string, { ours: Measurement[]; floor: Measurement[] }>();
    for (const name of readNames) {
      runs.set(name, { ours: [], floor: [] });
      for (const target of [ours, floor]) {
        await measure(target, readWorkload(name, fixture, s.connections), { durationSec: s.warmupSec });
      }
    }
    const dbMeter = await databaseCpuMeter(url);
    const dbCpuMs = () => dbMeter.read();
    for (let r = 0; r < s.rounds; r++) {
      log(`  round ${r + 1}/${s.rounds}`);
      for (const name of readNames) {
        const order = r % 2 === 0 ? [ours, floor] : [floor, ours];
        for (const target of order) {
          const m = await measure(target, readWorkload(name, fixture, s.connections), {
            durationSec: s.durationSec,
            dbCpuMs,
          });
          runs.get(name)![target.kind].push(m);
          log(`    ${name.padEnd(22)} ${target.label.padEnd(6)} ${fmt(m)}`);
        }
      }
    }
    await dbMeter.close();
    const bySize = new Map<string, Measurement[]>();
    const floorRuns = new Map<string, Measurement[]>();
    for (const [name, { ours: o, floor: f }] of runs) {
      const so = summarize(o);
      const sf = summarize(f);
      const cmp: FloorComparison = {
        size: label,
        scenario: name,
        ours: so,
        floor: sf,
        ratioP99: round(so.p99 / sf.p99, 2),
        ratioThroughput: round(sf.rps / so.rps, 2),
        ratioCpu: round(so.cpuMsPerRequest / sf.cpuMsPerRequest, 2),
      };
      results.floor.push(cmp);
      bySize.set(name, o);
      floorRuns.set(name, f);
    }
    oursBySize.set(label, bySize);
    floorBySize.set(label, floorRuns);

    // --- what each request runs, and how PostgreSQL runs it at this size -----------------------------------
    const capturer = await createSqlCapturer(url);
    try {
      await capturer.signIn(`user${sampleUsers(size, 1, Math.floor(size / 2))[0]}@bench.local`);
      for (const name of readNames) {
        const r = READ_SCENARIOS[name]!;
        const cap = await capturer.capture({ path: r.procedure, input: r.input });
        const explained = await explainCapture(url, cap);
        results.queries.push({
          size: label,
          call: name,
          statements: cap.queries.length,
          selects: explained.map((e) => ({
            sql: e.text.replace(/\s+/g, ' ').trim().slice(0, 400),
            executionMs: round(e.executionMs, 3),
            nodes: e.nodes,
            sharedHit: e.sharedHit,
            sharedRead: e.sharedRead,
            plan: e.plan,
          })),
        });
      }
    } finally {
      await capturer.close();
    }

    // --- the mixed profile at every size --------------------------------------------------------------
    if (has('mixed')) {
      await measure(ours, mixedWorkload(fixture, s.connections), { durationSec: s.warmupSec });
      const m = await measure(ours, mixedWorkload(fixture, s.connections), {
        durationSec: s.durationSec * 2,
      });
      results.scenarios.push({ ...m, size: label });
      log(`    ${'mixed'.padEnd(22)} ${'ours'.padEnd(6)} ${fmt(m)}`);
    }

    // --- where the CPU goes, once: the first size, the worst ratio above 1.3 ---------------------------------
    if (has('profile') && size === s.sizes[0]) {
      const worst = results.floor
        .filter((c) => c.size === label)
        .sort((a, b) => Math.max(b.ratioP99, b.ratioThroughput) - Math.max(a.ratioP99, a.ratioThroughput))[0];
      if (worst && Math.max(worst.ratioP99, worst.ratioThroughput) > 1.3) {
        log(`  profiling ${worst.scenario} (ratio ${Math.max(worst.ratioP99, worst.ratioThroughput)})`);
        for (const kind of ['ours', 'floor'] as const) {
          const profDir = mkdtempSync(path.join(tmp, `prof-${kind}-`));
          const nodeArgs = ['--cpu-prof', '--cpu-prof-dir', profDir];
          const srv =
            kind === 'ours'
              ? await startOurServer({
                  label: 'ours+prof',
                  databaseUrl: url,
                  dataDir: mkdtempSync(path.join(tmp, 'prof-data-')),
                  jwtSecret,
                  poolMax: s.poolMax,
                  nodeArgs,
                })
              : await startFloorServer({
                  label: 'floor+prof',
                  databaseUrl: url,
                  jwtSecret,
                  poolMax: s.poolMax,
                  nodeArgs,
                });
          await measure(srv, readWorkload(worst.scenario, fixture, s.connections), {
            durationSec: s.warmupSec,
          });
          const m = await measure(srv, readWorkload(worst.scenario, fixture, s.connections), {
            durationSec: Math.max(3, s.durationSec),
          });
          await srv.stop();
          const file = mainThreadProfile(profDir);
          if (file) {
            results.profiles.push({
              scenario: worst.scenario,
              target: kind,
              rps: m.rps,
              cpuMsPerRequest: m.cpuMsPerRequest,
              summary: summarizeProfile(file, 20),
            });
          }
        }
      }
      // The framework's share, without our procedures or the database: plain /ping (HTTP layer only) and
      // health.ping through tRPC, on ours; /ping on the floor.
      const probe = (name: string, pathName: string): Workload => ({
        name,
        connections: s.connections,
        plan: () => ({ method: 'GET', path: pathName, headers: {} }),
      });
      for (const [target, name, p] of [
        [ours, 'GET /ping (ours, no tRPC)', '/ping'],
        [ours, 'health.ping (ours, tRPC, no db)', '/trpc/health.ping'],
        [floor, 'GET /ping (floor)', '/ping'],
      ] as const) {
        await measure(target, probe(name, p), { durationSec: s.warmupSec });
        const m = await measure(target, probe(name, p), { durationSec: s.durationSec });
        results.scenarios.push({ ...m, size: label });
        log(`    ${name.padEnd(34)} ${fmt(m)}`);
      }
    }

    if (size === largest) {
      await lastSizePhases(s, results, { url, label, tmp, jwtSecret, ours, fixture });
    }

    await ours.stop();
    await floor.stop();
    if (!s.keep) {
      await adminQuery(s.adminUrl, `drop database if exists "${dbName}" with (force)`);
      cleanup.databases.delete(dbName);
    }
  }

  // --- the embedded database at the smallest size --------------------------------------------------------
  if (has('pglite')) {
    const size = s.sizes[0]!;
    const label = formatCount(size);
    log(`\n=== PGlite, ${label} users`);
    const dataDir = mkdtempSync(path.join(tmp, 'pglite-'));
    const handle = createDatabase({ dataDir: path.join(dataDir, 'pglite') });
    await handle.migrate();
    const report = await generateDataset(pgliteClient(handle), { users: size, seed: s.seed, log });
    await handle.close();
    results.datasets.push({ ...report, label, database: 'pglite' });
    const ours = await startOurServer({ label: 'ours-pglite', dataDir, jwtSecret, poolMax: s.poolMax });
    try {
      const signed = await signIn(ours.url, sampleUsers(size, Math.min(s.tokenUsers, size)), 4);
      const fixture: Fixture = { users: signed.map((u) => ({ ...u, daily: null })), loginEmails: [] };
      const pgRuns = oursBySize.get(label);
      for (const name of readNames) {
        await measure(ours, readWorkload(name, fixture, s.connections), { durationSec: s.warmupSec });
        const m = await measure(ours, readWorkload(name, fixture, s.connections), {
          durationSec: s.durationSec,
        });
        log(`    ${name.padEnd(22)} pglite ${fmt(m)}`);
        const pgSummary = summarize(pgRuns?.get(name) ?? []);
        results.pglite.push({
          size: label,
          scenario: name,
          pglite: m,
          pg: pgSummary,
          ratioP99: round(m.latency.p99 / pgSummary.p99, 2),
          ratioThroughput: round(pgSummary.rps / m.rps, 2),
        });
      }
    } finally {
      await ours.stop();
    }
  }

  // --- the other engineers' micro-benchmarks, when present ----------------------------------------------------
  if (has('extras')) {
    for (const name of ['judge-bench.ts', 'judge-fairness.ts', 'leaderboard-bench.ts']) {
      const file = path.join(benchDir, 'src', name);
      if (!existsSync(file)) continue;
      log(`\n=== ${name}`);
      // Each creates (and drops) its own database when it needs one, through the same admin connection.
      const r = await runScript(`src/${name}`, 900_000, { BENCH_DATABASE_URL: s.adminUrl });
      log(r.output.trim());
      results.extras.push({ name, ...r });
    }
  }

  // --- scaling table and findings ----------------------------------------------------------------------------
  const labels = s.sizes.map(formatCount);
  for (const name of readNames) {
    const row: ScalingRow = {
      scenario: name,
      p99: {},
      rps: {},
      floorP99: {},
      dbCpu: {},
      growth: null,
      floorGrowth: null,
      dbCpuGrowth: null,
    };
    for (const label of labels) {
      const sum = summarize(oursBySize.get(label)?.get(name) ?? []);
      row.p99[label] = sum.p99;
      row.rps[label] = sum.rps;
      row.floorP99[label] = summarize(floorBySize.get(label)?.get(name) ?? []).p99;
      row.dbCpu[label] = sum.dbCpuMsPerRequest ?? Number.NaN;
    }
    if (labels.length > 1) {
      row.growth = round(row.p99[labels.at(-1)!]! / row.p99[labels[0]!]!, 2);
      row.floorGrowth = round(row.floorP99[labels.at(-1)!]! / row.floorP99[labels[0]!]!, 2);
      row.dbCpuGrowth = round(row.dbCpu[labels.at(-1)!]! / row.dbCpu[labels[0]!]!, 2);
    }
    results.scaling.push(row);
  }
  results.findings.push(...findings(results));

  results.meta.finishedAt = new Date().toISOString();
  results.meta.durationSec = Math.round((Date.now() - startedAt.getTime()) / 1000);
  results.meta.loadAverageEnd = os.loadavg();
  writeResults(results);
}

async function lastSizePhases(
  s: Settings,
  results: BenchResults,
  ctx: { url: string; label: string; tmp: string; jwtSecret: string; ours: ServerProcess; fixture: Fixture },
) {
  const { url, label, tmp, jwtSecret, ours, fixture } = ctx;
  const has = (name: string) => s.scenarios.has(name);
  const few = 4;

  if (has('auth.login')) {
    const w = loginWorkload(fixture, few);
    await measure(ours, w, { durationSec: s.warmupSec });
    const m = await measure(ours, w, { durationSec: s.durationSec * 2 });
    results.scenarios.push({ ...m, size: label });
    log(`    ${'auth.login'.padEnd(22)} ${'ours'.padEnd(6)} ${fmt(m)}`);
  }
  if (has('challenges.submit')) {
    const w = submitWorkload(fixture, few);
    await measure(ours, w, { durationSec: s.warmupSec });
    const m = await measure(ours, w, { durationSec: s.durationSec * 2 });
    results.scenarios.push({ ...m, size: label });
    log(`    ${'challenges.submit'.padEnd(22)} ${'ours'.padEnd(6)} ${fmt(m)}`);
  }

  if (has('multi-process') || has('realtime')) {
    const second = await startOurServer({
      label: 'ours-B',
      databaseUrl: url,
      dataDir: mkdtempSync(path.join(tmp, 'ours-b-')),
      jwtSecret,
      poolMax: s.poolMax,
    });
    try {
      if (has('multi-process')) {
        log(`  two processes (${s.connections} connections, mixed profile)`);
        const one: Measurement[] = [];
        const two: Measurement[] = [];
        // The first process has served every round so far; warm the second one's JIT and pool too.
        await measure(second, mixedWorkload(fixture, s.connections), {
          durationSec: Math.max(3, s.durationSec),
        });
        await measure([ours, second], mixedWorkload(fixture, s.connections), { durationSec: s.warmupSec });
        for (let r = 0; r < s.rounds; r++) {
          const order = r % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
          for (const setup of order) {
            const m =
              setup === 'one'
                ? await measure(ours, mixedWorkload(fixture, s.connections, 'mixed, 1 process'), {
                    durationSec: s.durationSec,
                  })
                : await measure([ours, second], mixedWorkload(fixture, s.connections, 'mixed, 2 processes'), {
                    durationSec: s.durationSec,
                    label: 'ours+ours-B',
                  });
            (setup === 'one' ? one : two).push(m);
            log(`    ${m.scenario.padEnd(22)} ${fmt(m)}`);
          }
        }
        const so = summarize(one);
        const st = summarize(two);
        results.multiProcess = {
          size: label,
          one: so,
          two: st,
          throughputGain: round(st.rps / so.rps, 2),
          rounds: [...one, ...two],
        };
      }
      if (has('realtime')) {
        const admin = (await trpc(second.url, 'auth.login', {
          method: 'POST',
          input: { identifier: ADMIN_EMAIL, password: BENCH_PASSWORD, tokenDelivery: 'body' },
        })) as { status: number; data: { accessToken?: string } | undefined };
        const adminToken = admin.data?.accessToken;
        if (!adminToken) throw new Error(`admin login failed (${admin.status})`);
        const subscriber = fixture.users[0]!;
        const count = s.mode === 'quick' ? 10 : 30;
        for (const [on, via] of [
          [ours, second],
          [second, ours],
          [ours, ours],
        ] as const) {
          const d = await measureDelivery({ subscriberOn: on, sender: via, subscriber, adminToken, count });
          results.realtime.push(d);
          log(
            `    delivery ${on.label} ← ${via.label}: ${d.delivered}/${d.sent}, p50 ${d.latencyMs.p50} ms, p99 ${d.latencyMs.p99} ms`,
          );
        }
      }
    } finally {
      await second.stop();
    }
  }

  if (s.soakMinutes > 0) {
    log(`  soak: ${s.soakMinutes} min of the mixed profile`);
    const minutes = [];
    for (let k = 1; k <= s.soakMinutes; k++) {
      const m = await measure(ours, mixedWorkload(fixture, s.connections, 'soak'), { durationSec: 60 });
      minutes.push({
        minute: k,
        rps: round(m.rps, 1),
        p99: m.latency.p99,
        errors: m.errors,
        rssEndMb: m.rss.endMb,
        rssMaxMb: m.rss.maxMb,
        eventLoopP99Ms: m.eventLoopP99Ms,
      });
      log(`    minute ${k}: ${fmt(m)}  rss end ${m.rss.endMb} MB`);
    }
    results.soak = {
      size: label,
      minutes,
      totalErrors: minutes.reduce((n, m) => n + m.errors, 0),
      rssSlopeMbPerMin: round(slope(minutes.map((m) => [m.minute, m.rssEndMb])), 2),
      rssMaxSlopeMbPerMin: round(slope(minutes.map((m) => [m.minute, m.rssMaxMb])), 2),
      rssGrowthMb: round(minutes.at(-1)!.rssEndMb - minutes[0]!.rssEndMb, 1),
    };
  }
}

function findings(r: BenchResults): string[] {
  const out: string[] = [];
  for (const c of r.floor) {
    const worst = Math.max(c.ratioP99, c.ratioThroughput);
    if (worst > 1.3) {
      out.push(
        `${c.size} ${c.scenario}: ours/floor p99 ${c.ratioP99}×, 1/throughput ${c.ratioThroughput}×, CPU per request ${c.ratioCpu}× (${c.ours.cpuMsPerRequest} vs ${c.floor.cpuMsPerRequest} ms).`,
      );
    }
  }
  for (const row of r.scaling) {
    if (row.growth !== null && row.growth > 2) {
      out.push(
        `${row.scenario}: p99 grows ${row.growth}× from ${Object.keys(row.p99)[0]} to ${Object.keys(row.p99).at(-1)} (over 2×); ` +
          `the floor, same SQL: ${row.floorGrowth}×; PostgreSQL CPU per request: ${row.dbCpuGrowth}×.`,
      );
    }
  }
  const errors = [
    ...r.floor.flatMap((c) => [c.ours.errors, c.floor.errors]),
    ...r.scenarios.map((m) => m.errors),
  ].reduce((a, b) => a + b, 0);
  if (errors > 0) out.push(`${errors} errors (non-2xx or socket) in the load runs: see the tables.`);
  if (r.soak && r.soak.totalErrors > 0) out.push(`Soak: ${r.soak.totalErrors} errors.`);
  const median3 = median(r.realtime.map((d) => d.delivered / d.sent));
  if (r.realtime.length && median3 < 1) out.push('Real-time: not every message was delivered.');
  return out;
}

function writeResults(r: BenchResults) {
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  const base = `${r.meta.startedAt.slice(0, 10)}-${r.meta.mode}`;
  const md = toMarkdown(r);
  writeFileSync(path.join(dir, `${base}.json`), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(path.join(dir, `${base}.md`), md);
  writeFileSync(path.join(dir, 'latest.md'), md);
  log(`\n${md}`);
  log(`results: bench/results/${base}.json, bench/results/${base}.md, bench/results/latest.md`);
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    console.error(`\n${signal}: stopping servers and dropping the bench databases...`);
    cleanUp().finally(() => process.exit(130));
  });
}

main()
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanUp();
  });
