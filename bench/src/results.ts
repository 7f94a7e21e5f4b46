import type { DatasetReport } from './dataset.ts';
import type { Measurement } from './load.ts';
import type { ProfileSummary } from './profile.ts';
import type { DeliveryResult } from './realtime.ts';

/** Medians over the rounds of one scenario on one server. */
export type Summary = {
  rounds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  eventLoopP99Ms: number | null;
  rssMaxMb: number;
  cpuMsPerRequest: number;
  /** PostgreSQL backends' CPU per request (the same SQL should cost the same for ours and the floor). */
  dbCpuMsPerRequest: number | null;
};

type FloorComparison = {
  size: string;
  scenario: string;
  ours: Summary;
  floor: Summary;
  /** ours p99 / floor p99 (above 1: we are slower). */
  ratioP99: number;
  /** floor rps / ours rps, i.e. the ratio of 1/throughput (above 1: we serve fewer). */
  ratioThroughput: number;
  /** ours CPU per request / floor CPU per request. */
  ratioCpu: number;
};

type ScalingRow = {
  scenario: string;
  p99: Record<string, number>;
  rps: Record<string, number>;
  /** The floor's p99 for the same scenario: what the SQL alone does as the data grows. */
  floorP99: Record<string, number>;
  /** PostgreSQL CPU per request of ours: the cost of the SQL itself, unaffected by queueing. */
  dbCpu: Record<string, number>;
  /** p99 at the largest size / p99 at the smallest. */
  growth: number | null;
  floorGrowth: number | null;
  dbCpuGrowth: number | null;
};

/** The SELECTs of one read procedure at one size: EXPLAIN ANALYZE time and plan nodes. */
type QueryPlanRow = {
  size: string;
  call: string;
  statements: number;
  selects: { sql: string; executionMs: number; nodes: string[]; plan: string }[];
};

export type SoakMinute = {
  minute: number;
  rps: number;
  p99: number;
  errors: number;
  rssEndMb: number;
  rssMaxMb: number;
  eventLoopP99Ms: number | null;
};

export type BenchResults = {
  meta: {
    mode: 'quick' | 'full';
    startedAt: string;
    finishedAt?: string;
    durationSec?: number;
    node: string;
    postgres: string;
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    loadAverageStart: number[];
    loadAverageEnd?: number[];
    commit: string | null;
    settings: Record<string, unknown>;
  };
  datasets: (DatasetReport & { label: string; database: 'pg' | 'pglite' })[];
  floor: FloorComparison[];
  scaling: ScalingRow[];
  queries: QueryPlanRow[];
  /** Single-run scenarios: mixed (each size), auth.login, challenges.submit, overhead probes. */
  scenarios: (Measurement & { size: string })[];
  pglite: {
    size: string;
    scenario: string;
    pglite: Measurement;
    pg: Summary;
    ratioP99: number;
    ratioThroughput: number;
  }[];
  multiProcess: { size: string; one: Summary; two: Summary; throughputGain: number } | null;
  realtime: DeliveryResult[];
  soak: {
    size: string;
    minutes: SoakMinute[];
    totalErrors: number;
    rssSlopeMbPerMin: number;
    /** The same over each minute's highest RSS (less sensitive to where a GC happened to fall). */
    rssMaxSlopeMbPerMin: number;
    rssGrowthMb: number;
  } | null;
  profiles: {
    scenario: string;
    target: string;
    rps: number;
    cpuMsPerRequest: number;
    summary: ProfileSummary;
  }[];
  extras: { name: string; exitCode: number | null; seconds: number; output: string }[];
  findings: string[];
};

export function summarize(runs: Measurement[]): Summary {
  const med = (f: (m: Measurement) => number | undefined, digits: number) =>
    round(median(runs.map((m) => f(m) ?? Number.NaN)), digits);
  const eld = runs.map((m) => m.eventLoopP99Ms).filter((v): v is number => v !== null);
  return {
    rounds: runs.length,
    rps: med((m) => m.rps, 1),
    p50: med((m) => m.latency.p50, 2),
    p99: med((m) => m.latency.p99, 2),
    max: Math.max(...runs.map((m) => m.latency.max)),
    errors: runs.reduce((s, m) => s + m.errors, 0),
    eventLoopP99Ms: eld.length ? round(median(eld), 1) : null,
    rssMaxMb: Math.max(...runs.map((m) => m.rss.maxMb)),
    cpuMsPerRequest: med((m) => m.cpuMsPerRequest, 3),
    dbCpuMsPerRequest: runs.some((m) => m.dbCpuMsPerRequest !== undefined)
      ? med((m) => m.dbCpuMsPerRequest, 3)
      : null,
  };
}

/** p99, rps and PostgreSQL CPU of each read scenario by size, and their growth from the smallest to the largest. */
export function scalingRows(floor: FloorComparison[], labels: string[], names: string[]): ScalingRow[] {
  return names.map((name) => {
    const at = (label: string) => floor.find((c) => c.size === label && c.scenario === name);
    const byLabel = (value: (label: string) => number) =>
      Object.fromEntries(labels.map((l) => [l, value(l)]));
    const row: ScalingRow = {
      scenario: name,
      p99: byLabel((l) => at(l)?.ours.p99 ?? Number.NaN),
      rps: byLabel((l) => at(l)?.ours.rps ?? Number.NaN),
      floorP99: byLabel((l) => at(l)?.floor.p99 ?? Number.NaN),
      dbCpu: byLabel((l) => at(l)?.ours.dbCpuMsPerRequest ?? Number.NaN),
      growth: null,
      floorGrowth: null,
      dbCpuGrowth: null,
    };
    if (labels.length > 1) {
      const growth = (by: Record<string, number>) => round(by[labels.at(-1)!]! / by[labels[0]!]!, 2);
      row.growth = growth(row.p99);
      row.floorGrowth = growth(row.floorP99);
      row.dbCpuGrowth = growth(row.dbCpu);
    }
    return row;
  });
}

/** What the report flags: ratios over 1.3, growth over 2×, errors, undelivered messages. */
export function findings(r: BenchResults): string[] {
  const out: string[] = [];
  for (const c of r.floor) {
    if (Math.max(c.ratioP99, c.ratioThroughput) > 1.3) {
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
  if (r.realtime.length && median(r.realtime.map((d) => d.delivered / d.sent)) < 1)
    out.push('Real-time: not every message was delivered.');
  return out;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The nearest-rank percentile of ascending `sorted` values (NaN when there are none). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export const round = (n: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Least-squares slope of y over x. */
export function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p[0], 0) / n;
  const my = points.reduce((s, p) => s + p[1], 0) / n;
  const num = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
