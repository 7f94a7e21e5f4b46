/** What the runner's phases share: the settings (from the flags), the run and the size being measured, log lines. */
import { parseArgs } from 'node:util';
import { parseCount } from './dataset.ts';
import { type Measurement, measure, type Workload } from './load.ts';
import type { ServerProcess } from './processes.ts';
import type { BenchResults } from './results.ts';
import { type Fixture, READ_SCENARIOS } from './scenarios.ts';

export type Settings = ReturnType<typeof parseSettings>;

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

/** The run's settings from its flags (see the header of run.ts) and BENCH_DATABASE_URL. */
export function parseSettings(argv: string[]) {
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
    mode: quick ? ('quick' as const) : ('full' as const),
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

/** What every phase shares: the settings, the results being filled, the run's scratch directory. */
export type Run = {
  s: Settings;
  results: BenchResults;
  /** `sb_bench_<start time>`: the prefix of this run's databases. */
  runId: string;
  tmp: string;
  jwtSecret: string;
  readNames: string[];
};

/** One dataset size: its database, our server and the floor on it, the signed-in users. */
export type SizeRun = {
  size: number;
  label: string;
  url: string;
  ours: ServerProcess;
  floor: ServerProcess;
  fixture: Fixture;
};

export const log = (line = '') => console.log(line);
export const fmt = (m: Measurement) =>
  (m.errorSample ? `[errors ${JSON.stringify(m.statusCodes)}: ${m.errorSample}]\n      ` : '') +
  `${m.rps.toFixed(0).padStart(6)} rps  p50 ${m.latency.p50.toFixed(1).padStart(7)}  p99 ${m.latency.p99.toFixed(1).padStart(7)}  max ${m.latency.max.toFixed(0).padStart(6)}  err ${m.errors}  cpu ${m.cpuMsPerRequest.toFixed(2)}${m.dbCpuMsPerRequest !== undefined ? ` (+db ${m.dbCpuMsPerRequest.toFixed(2)})` : ''} ms/req  rss ${m.rss.maxMb.toFixed(0)} MB  eld ${m.eventLoopP99Ms?.toFixed(1) ?? '–'} ms`;

/** A warm-up run, then the measured one. */
export async function warmThenMeasure(
  run: Run,
  target: ServerProcess | ServerProcess[],
  workload: Workload,
  durationSec = run.s.durationSec,
) {
  await measure(target, workload, { durationSec: run.s.warmupSec });
  return measure(target, workload, { durationSec });
}

/** A single-run scenario on ours at this size, recorded in the scenarios table. */
export async function measureScenario(run: Run, sr: SizeRun, workload: Workload, durationSec: number) {
  const m = await warmThenMeasure(run, sr.ours, workload, durationSec);
  run.results.scenarios.push({ ...m, size: sr.label });
  log(`    ${m.scenario.padEnd(22)} ${'ours'.padEnd(6)} ${fmt(m)}`);
}
