/**
 * Longer than ~300 lines on purpose: the run's phases in order, each a named step.
 *
 * `pnpm bench` (full) / `pnpm bench --quick`: datasets, load scenarios against our server and the
 * framework-free floor, the scaling table, two processes, real-time delivery, the soak, and the report
 * under bench/results/. Everything talks to 127.0.0.1 only and every phase is bounded in time.
 *
 * Flags: --quick, --sizes 10k,100k,1m, --scenarios a,b (read scenarios and/or mixed, auth.login,
 * challenges.submit, multi-process, realtime, pglite, profile, extras), --soak-minutes N, --skip-soak,
 * --seed N, --rounds N, --duration S, --connections N, --keep (do not drop the databases).
 * BENCH_DATABASE_URL: an admin connection (default postgres://postgres@127.0.0.1:5432/postgres).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatCount, loadDatabase, userEmail } from './dataset.ts';
import { type Measurement, measure } from './load.ts';
import { largestSizePhases } from './largest-size.ts';
import {
  fmt,
  log,
  measureScenario,
  parseSettings,
  type Run,
  type Settings,
  type SizeRun,
  warmThenMeasure,
} from './run-context.ts';
import { probeLayers, profileWorstRatio } from './profile.ts';
import {
  databaseCpuMeter,
  type ServerProcess,
  startFloorServer,
  startOurServer,
  stopAllServers,
} from './processes.ts';
import { toMarkdown } from './report.ts';
import { type BenchResults, findings, round, scalingRows, summarize } from './results.ts';
import {
  type Fixture,
  loadDailies,
  mixedWorkload,
  READ_SCENARIOS,
  readWorkload,
  sampleUsers,
  signIn,
} from './scenarios.ts';
import { createSqlCapturer, explainCapture } from './sql-capture.ts';
import { targetRows, targetSummary } from './targets.ts';
import { adminQuery, withDatabase } from './sql-client.ts';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
/** Databases and directories to remove however the run ends. */
const cleanup = { databases: new Set<string>(), dirs: new Set<string>(), adminUrl: '' };

async function cleanUp() {
  await stopAllServers();
  for (const name of cleanup.databases) await dropDatabase(name);
  for (const dir of cleanup.dirs) rmSync(dir, { recursive: true, force: true });
  cleanup.dirs.clear();
}

async function dropDatabase(name: string) {
  await adminQuery(cleanup.adminUrl, `drop database if exists "${name}" with (force)`).then(
    () => cleanup.databases.delete(name),
    (e: Error) => console.error(`could not drop ${name}: ${e.message}`),
  );
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: benchDir, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function startRun(s: Settings): Promise<Run> {
  cleanup.adminUrl = s.adminUrl;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
  cleanup.dirs.add(tmp);
  const [pg] = await adminQuery<{ v: string }>(s.adminUrl, "select current_setting('server_version') as v");
  const results: BenchResults = {
    meta: {
      mode: s.mode,
      startedAt: new Date().toISOString(),
      node: process.version,
      postgres: `PostgreSQL ${pg?.v.split(' ')[0]}`,
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
  const runId = `sb_bench_${results.meta.startedAt.replace(/[-:]/g, '').replace('T', '_').slice(0, 15)}`;
  const readNames = Object.keys(READ_SCENARIOS).filter((name) => s.scenarios.has(name));
  return { s, results, runId, tmp, jwtSecret: randomBytes(36).toString('base64url'), readNames };
}

/** Every phase of one dataset size, in its own fresh database, dropped at the end (unless --keep). */
async function benchSize(run: Run, size: number) {
  const { s } = run;
  const label = formatCount(size);
  const dbName = `${run.runId}_${label}`;
  const url = withDatabase(s.adminUrl, dbName);
  log(`\n=== ${label} users: database ${dbName}`);
  await adminQuery(s.adminUrl, `create database "${dbName}"`);
  cleanup.databases.add(dbName);
  const report = await loadDatabase({ url }, { users: size, seed: s.seed, log });
  run.results.datasets.push({ ...report, label, database: 'pg' });
  log(`  dataset loaded in ${report.totalSeconds.toFixed(1)} s`);

  const server = { databaseUrl: url, jwtSecret: run.jwtSecret, poolMax: s.poolMax };
  const ours = await startOurServer({
    ...server,
    dataDir: mkdtempSync(path.join(run.tmp, `ours-${label}-`)),
  });
  const floor = await startFloorServer(server);
  const sr: SizeRun = { size, label, url, ours, floor, fixture: await signInFixture(run, ours, url, size) };

  await compareWithFloor(run, sr);
  await explainQueries(run, sr);
  if (s.scenarios.has('mixed'))
    await measureScenario(run, sr, mixedWorkload(sr.fixture, s.connections), s.durationSec * 2);
  if (s.scenarios.has('profile') && size === s.sizes[0]) {
    await profileWorstRatio(run, sr);
    await probeLayers(run, sr);
  }
  if (size === s.sizes.at(-1)) await largestSizePhases(run, sr);

  await ours.stop();
  await floor.stop();
  if (!s.keep) await dropDatabase(dbName);
}

/**
 * Signs in the token users and finds their daily challenge; picks the login scenario's accounts between
 * them (half a token stride further), so the two sets are disjoint.
 */
async function signInFixture(run: Run, ours: ServerProcess, url: string, size: number): Promise<Fixture> {
  const { tokenUsers, loginUsers } = run.s;
  const t0 = performance.now();
  const users = await signIn(ours.url, sampleUsers(size, Math.min(tokenUsers, size)), 4);
  const dailies = await loadDailies(
    url,
    users.map((u) => u.userId),
  );
  for (const u of users) u.daily = dailies.get(u.userId) ?? null;
  const tokenStride = Math.max(2, Math.floor(size / tokenUsers));
  const taken = new Set(users.map((u) => u.i));
  const loginIdx = sampleUsers(size, Math.min(loginUsers, size), Math.floor(tokenStride / 2)).filter(
    (i) => !taken.has(i),
  );
  if (run.s.scenarios.has('auth.login') && loginIdx.length < 8)
    throw new Error('not enough accounts for the login scenario');
  log(`  signed in ${users.length} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { users, loginEmails: loginIdx.map(userEmail) };
}

/** Each read scenario on ours and on the floor: a warm-up of both, then rounds alternating which goes first. */
async function compareWithFloor(run: Run, sr: SizeRun) {
  const { s, readNames } = run;
  const runs = new Map(
    readNames.map((name) => [name, { ours: [] as Measurement[], floor: [] as Measurement[] }]),
  );
  for (const name of readNames) {
    for (const target of [sr.ours, sr.floor]) {
      await measure(target, readWorkload(name, sr.fixture, s.connections), { durationSec: s.warmupSec });
    }
  }
  const dbMeter = await databaseCpuMeter(sr.url);
  for (let r = 0; r < s.rounds; r++) {
    log(`  round ${r + 1}/${s.rounds}`);
    for (const name of readNames) {
      for (const target of r % 2 === 0 ? [sr.ours, sr.floor] : [sr.floor, sr.ours]) {
        const m = await measure(target, readWorkload(name, sr.fixture, s.connections), {
          durationSec: s.durationSec,
          dbCpuMs: () => dbMeter.read(),
        });
        runs.get(name)![target.kind].push(m);
        log(`    ${name.padEnd(22)} ${target.label.padEnd(6)} ${fmt(m)}`);
      }
    }
  }
  await dbMeter.close();
  for (const [name, rounds] of runs) {
    const ours = summarize(rounds.ours);
    const floor = summarize(rounds.floor);
    run.results.floor.push({
      size: sr.label,
      scenario: name,
      ours,
      floor,
      ratioP99: round(ours.p99 / floor.p99, 2),
      ratioThroughput: round(floor.rps / ours.rps, 2),
      ratioCpu: round(ours.cpuMsPerRequest / floor.cpuMsPerRequest, 2),
    });
  }
}

/** What each read request runs (captured from our router), and how PostgreSQL runs it at this size. */
async function explainQueries(run: Run, sr: SizeRun) {
  const capturer = await createSqlCapturer(sr.url);
  try {
    await capturer.signIn(userEmail(sampleUsers(sr.size, 1, Math.floor(sr.size / 2))[0]!));
    for (const name of run.readNames) {
      const cap = await capturer.capture(READ_SCENARIOS[name]!);
      const explained = await explainCapture(sr.url, cap);
      run.results.queries.push({
        size: sr.label,
        call: name,
        statements: cap.queries.length,
        selects: explained.map((e) => ({
          sql: e.text.replace(/\s+/g, ' ').trim().slice(0, 400),
          executionMs: round(e.executionMs, 3),
          nodes: e.nodes,
          plan: e.plan,
        })),
      });
    }
  } finally {
    await capturer.close();
  }
}

/** The read scenarios on the embedded database at the smallest size, next to the same scenarios on PostgreSQL. */
async function benchPglite(run: Run) {
  const { s } = run;
  const size = s.sizes[0]!;
  const label = formatCount(size);
  log(`\n=== PGlite, ${label} users`);
  const dataDir = mkdtempSync(path.join(run.tmp, 'pglite-'));
  const report = await loadDatabase(
    { dataDir: path.join(dataDir, 'pglite') },
    { users: size, seed: s.seed, log },
  );
  run.results.datasets.push({ ...report, label, database: 'pglite' });
  const ours = await startOurServer({
    label: 'ours-pglite',
    dataDir,
    jwtSecret: run.jwtSecret,
    poolMax: s.poolMax,
  });
  try {
    const users = await signIn(ours.url, sampleUsers(size, Math.min(s.tokenUsers, size)), 4);
    for (const name of run.readNames) {
      const m = await warmThenMeasure(
        run,
        ours,
        readWorkload(name, { users, loginEmails: [] }, s.connections),
      );
      log(`    ${name.padEnd(22)} pglite ${fmt(m)}`);
      const pg =
        run.results.floor.find((c) => c.size === label && c.scenario === name)?.ours ?? summarize([]);
      run.results.pglite.push({
        size: label,
        scenario: name,
        pglite: m,
        pg,
        ratioP99: round(m.latency.p99 / pg.p99, 2),
        ratioThroughput: round(pg.rps / m.rps, 2),
      });
    }
  } finally {
    await ours.stop();
  }
}

/** The judge's and leaderboard's micro-benchmarks, each a bounded child process, their output kept. */
async function runExtras(run: Run) {
  // The cold start runs the built server, as `pnpm start` does: build it (turbo skips what is up to date).
  // turbo needs pnpm on PATH, as under `pnpm bench`; without it cold-start.ts says what to build.
  const repoDir = path.join(benchDir, '..');
  try {
    execFileSync(
      path.join(repoDir, 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--filter=@skillbytes/server...'],
      {
        cwd: repoDir,
        stdio: 'ignore',
        timeout: 600_000,
      },
    );
  } catch (error) {
    log(
      `could not build the server for cold-start.ts: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const extras = [
    'judge-bench.ts',
    'judge-fairness.ts',
    'typescript-strip.ts',
    'leaderboard-bench.ts',
    'cold-start.ts',
  ];
  for (const name of extras) {
    log(`\n=== ${name}`);
    const started = performance.now();
    // leaderboard-bench creates (and drops) its own database through this admin connection; judge-fairness
    // runs its server on BENCH_DATABASE_URL itself (see the README's caveat); judge-bench and
    // typescript-strip need none.
    const child = spawn(process.execPath, ['--import', 'tsx', `src/${name}`], {
      cwd: benchDir,
      env: { ...process.env, BENCH_DATABASE_URL: run.s.adminUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 900_000,
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) {
      stream.on('data', (d) => {
        output += d;
      });
    }
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    output = output.slice(-20_000);
    log(output.trim());
    run.results.extras.push({ name, exitCode, output, seconds: (performance.now() - started) / 1000 });
  }
}

/**
 * The report as markdown in bench/results/ (`<date>-<mode>.md` and `latest.md`; commit only the run the
 * README quotes) and everything, each round included, as JSON in the gitignored bench/results/tmp/.
 */
function writeResults(r: BenchResults) {
  const dir = path.join(benchDir, 'results');
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const base = `${r.meta.startedAt.slice(0, 10)}-${r.meta.mode}`;
  const md = toMarkdown(r);
  writeFileSync(path.join(dir, 'tmp', `${base}.json`), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(path.join(dir, `${base}.md`), md);
  writeFileSync(path.join(dir, 'latest.md'), md);
  log(`\n${md}`);
  log(`results: bench/results/${base}.md, bench/results/latest.md, bench/results/tmp/${base}.json`);
  log(`\n=== targets\n${targetSummary(targetRows(r)).join('\n')}`);
}

async function main() {
  const run = await startRun(parseSettings(process.argv.slice(2)));
  for (const size of run.s.sizes) await benchSize(run, size);
  if (run.s.scenarios.has('pglite')) await benchPglite(run);
  if (run.s.scenarios.has('extras')) await runExtras(run);
  const { results } = run;
  results.scaling = scalingRows(results.floor, run.s.sizes.map(formatCount), run.readNames);
  results.findings = findings(results);
  results.meta.finishedAt = new Date().toISOString();
  results.meta.durationSec = Math.round((Date.now() - Date.parse(results.meta.startedAt)) / 1000);
  results.meta.loadAverageEnd = os.loadavg();
  writeResults(results);
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
  .catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  })
  .finally(cleanUp);
