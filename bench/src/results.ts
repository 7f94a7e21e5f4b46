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

export type FloorComparison = {
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

export type ScalingRow = {
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

export type QueryPlanRow = {
  size: string;
  call: string;
  statements: number;
  /** The SELECTs of the call: EXPLAIN ANALYZE time and plan nodes. */
  selects: {
    sql: string;
    executionMs: number;
    nodes: string[];
    sharedHit: number;
    sharedRead: number;
    plan: string;
  }[];
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
  multiProcess: {
    size: string;
    one: Summary;
    two: Summary;
    throughputGain: number;
    rounds: Measurement[];
  } | null;
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
  const med = (f: (m: Measurement) => number) => median(runs.map(f));
  const eld = runs.map((m) => m.eventLoopP99Ms).filter((v): v is number => v !== null);
  return {
    rounds: runs.length,
    rps: round(
      med((m) => m.rps),
      1,
    ),
    p50: round(
      med((m) => m.latency.p50),
      2,
    ),
    p99: round(
      med((m) => m.latency.p99),
      2,
    ),
    max: Math.max(...runs.map((m) => m.latency.max)),
    errors: runs.reduce((s, m) => s + m.errors, 0),
    eventLoopP99Ms: eld.length ? round(median(eld), 1) : null,
    rssMaxMb: Math.max(...runs.map((m) => m.rss.maxMb)),
    cpuMsPerRequest: round(
      med((m) => m.cpuMsPerRequest),
      3,
    ),
    dbCpuMsPerRequest: runs.some((m) => m.dbCpuMsPerRequest !== undefined)
      ? round(
          med((m) => m.dbCpuMsPerRequest ?? Number.NaN),
          3,
        )
      : null,
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
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

// --- markdown ---------------------------------------------------------------------------------------------

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(1));
const f2 = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(2));
const fx = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);

function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export function toMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.meta;
  out.push(`# Skill Bytes benchmark — ${m.mode} run, ${m.startedAt.slice(0, 10)}`);
  out.push('');
  out.push(
    `Node ${m.node}, ${m.postgres}, ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB; load average at start ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' / ')}` +
      (m.loadAverageEnd ? `, at end ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' / ')}` : '') +
      `. Commit ${m.commit ?? 'unknown'}; ${m.durationSec ? `${Math.round(m.durationSec / 60)} min` : ''}.`,
  );
  out.push('');
  out.push(
    `Settings: ${Object.entries(m.settings)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(', ')}. Latencies in ms; see bench/README.md for what every column means.`,
  );

  if (r.findings.length) {
    out.push('', '## Findings', '');
    for (const f of r.findings) out.push(`- ${f}`);
  }

  if (r.datasets.length) {
    out.push('', '## Datasets', '');
    const tablesOf = (d: BenchResults['datasets'][number], name: string) =>
      d.tables.find((t) => t.table === name)?.rows ?? 0;
    out.push(
      table(
        [
          'dataset',
          'db',
          'users',
          'completions',
          'submissions',
          'weekly_points',
          'messages',
          'inbox_state',
          'load s',
          'indexes s',
          'analyze s',
          'total s',
        ],
        r.datasets.map((d) => [
          d.label,
          d.database,
          f0(tablesOf(d, 'users')),
          f0(tablesOf(d, 'completions')),
          f0(tablesOf(d, 'submissions')),
          f0(tablesOf(d, 'weekly_points')),
          f0(tablesOf(d, 'messages')),
          f0(tablesOf(d, 'inbox_state')),
          f1(d.tables.reduce((s, t) => s + t.seconds, 0)),
          f1(d.indexSeconds),
          f1(d.analyzeSeconds),
          f1(d.totalSeconds),
        ]),
      ),
    );
  }

  if (r.floor.length) {
    out.push('', '## Ours vs the floor (same SQL, same database, same load; medians of the rounds)', '');
    out.push(
      table(
        [
          'size',
          'scenario',
          'ours rps',
          'floor rps',
          'ours p50',
          'ours p99',
          'floor p99',
          'p99 ratio',
          '1/thr ratio',
          'ours CPU ms/req',
          'floor CPU ms/req',
          'db CPU ms/req (ours / floor)',
          'ours ELD p99',
          'floor ELD p99',
          'errors',
        ],
        r.floor.map((c) => [
          c.size,
          c.scenario,
          f0(c.ours.rps),
          f0(c.floor.rps),
          f1(c.ours.p50),
          f1(c.ours.p99),
          f1(c.floor.p99),
          fx(c.ratioP99),
          fx(c.ratioThroughput),
          f2(c.ours.cpuMsPerRequest),
          f2(c.floor.cpuMsPerRequest),
          `${f2(c.ours.dbCpuMsPerRequest)} / ${f2(c.floor.dbCpuMsPerRequest)}`,
          f1(c.ours.eventLoopP99Ms),
          f1(c.floor.eventLoopP99Ms),
          c.ours.errors + c.floor.errors,
        ]),
      ),
    );
  }

  if (r.scaling.length) {
    const sizes = Object.keys(r.scaling[0]!.p99);
    out.push('', '## Scaling (ours, p99 ms and rps by dataset size)', '');
    out.push(
      table(
        [
          'scenario',
          ...sizes.map((s) => `p99 ${s}`),
          ...sizes.map((s) => `rps ${s}`),
          `p99 growth ${sizes[0]}→${sizes.at(-1)}`,
          'floor p99 growth',
          ...sizes.map((s) => `db CPU ms/req ${s}`),
          'db CPU growth',
        ],
        r.scaling.map((row) => [
          row.scenario,
          ...sizes.map((s) => f1(row.p99[s] ?? Number.NaN)),
          ...sizes.map((s) => f0(row.rps[s] ?? Number.NaN)),
          row.growth === null ? '–' : `${fx(row.growth)}${row.growth > 2 ? ' ⚠' : ''}`,
          fx(row.floorGrowth),
          ...sizes.map((s) => f2(row.dbCpu[s] ?? Number.NaN)),
          fx(row.dbCpuGrowth),
        ]),
      ),
    );
  }

  if (r.scenarios.length) {
    out.push('', '## Scenarios (ours)', '');
    out.push(
      table(
        [
          'size',
          'scenario',
          'conns',
          'rps',
          'p50',
          'p99',
          'max',
          'errors',
          'RSS max MB',
          'ELD p99',
          'CPU ms/req',
        ],
        r.scenarios.map((s) => [
          s.size,
          s.scenario,
          s.connections,
          f0(s.rps),
          f1(s.latency.p50),
          f1(s.latency.p99),
          f1(s.latency.max),
          s.errors,
          f1(s.rss.maxMb),
          f1(s.eventLoopP99Ms),
          f2(s.cpuMsPerRequest),
        ]),
      ),
    );
  }

  if (r.pglite.length) {
    out.push('', '## Embedded PGlite vs PostgreSQL (ours, same dataset size)', '');
    out.push(
      table(
        [
          'size',
          'scenario',
          'PGlite rps',
          'PG rps',
          'PGlite p99',
          'PG p99',
          'p99 ratio',
          '1/thr ratio',
          'errors',
        ],
        r.pglite.map((p) => [
          p.size,
          p.scenario,
          f0(p.pglite.rps),
          f0(p.pg.rps),
          f1(p.pglite.latency.p99),
          f1(p.pg.p99),
          fx(p.ratioP99),
          fx(p.ratioThroughput),
          p.pglite.errors,
        ]),
      ),
    );
  }

  if (r.multiProcess) {
    const mp = r.multiProcess;
    out.push('', `## Two server processes on one PostgreSQL (${mp.size}, mixed profile)`, '');
    out.push(
      table(
        ['setup', 'rps', 'p50', 'p99', 'max', 'errors', 'RSS max MB (sum)'],
        [
          [
            '1 process',
            f0(mp.one.rps),
            f1(mp.one.p50),
            f1(mp.one.p99),
            f1(mp.one.max),
            mp.one.errors,
            f1(mp.one.rssMaxMb),
          ],
          [
            '2 processes',
            f0(mp.two.rps),
            f1(mp.two.p50),
            f1(mp.two.p99),
            f1(mp.two.max),
            mp.two.errors,
            f1(mp.two.rssMaxMb),
          ],
        ],
      ),
    );
    out.push(
      '',
      `Throughput gain: ${fx(mp.throughputGain)} (medians of ${mp.one.rounds} alternating rounds).`,
    );
  }

  if (r.realtime.length) {
    out.push('', '## Real-time delivery across processes (inbox.onMessage over SSE)', '');
    out.push(
      table(
        ['subscriber on', 'sent through', 'sent', 'delivered', 'p50 ms', 'p99 ms', 'max ms'],
        r.realtime.map((d) => [
          d.subscriberOn,
          d.sentThrough,
          d.sent,
          d.delivered,
          f1(d.latencyMs.p50),
          f1(d.latencyMs.p99),
          f1(d.latencyMs.max),
        ]),
      ),
    );
  }

  if (r.soak) {
    const s = r.soak;
    out.push('', `## Soak (${s.size}, mixed profile, ${s.minutes.length} min)`, '');
    out.push(
      table(
        ['minute', 'rps', 'p99', 'errors', 'RSS end MB', 'RSS max MB', 'ELD p99'],
        s.minutes.map((m) => [
          m.minute,
          f0(m.rps),
          f1(m.p99),
          m.errors,
          f1(m.rssEndMb),
          f1(m.rssMaxMb),
          f1(m.eventLoopP99Ms),
        ]),
      ),
    );
    out.push(
      '',
      `Errors: ${s.totalErrors}. RSS slope ${s.rssSlopeMbPerMin.toFixed(2)} MB/min (least squares over the RSS at the end of each minute; ${s.rssMaxSlopeMbPerMin.toFixed(2)} MB/min over each minute's highest), first→last ${s.rssGrowthMb >= 0 ? '+' : ''}${s.rssGrowthMb.toFixed(1)} MB.`,
    );
  }

  if (r.queries.length) {
    out.push('', '## What each request runs (statements per request; EXPLAIN ANALYZE of its SELECTs)', '');
    out.push(
      table(
        ['size', 'procedure', 'statements', 'SELECT ms (each)', 'plan nodes of the slowest SELECT'],
        r.queries.map((q) => {
          const slowest = [...q.selects].sort((a, b) => b.executionMs - a.executionMs)[0];
          return [
            q.size,
            q.call,
            q.statements,
            q.selects.map((s) => s.executionMs.toFixed(2)).join(' + '),
            slowest ? slowest.nodes.slice(0, 8).join(' › ') : '–',
          ];
        }),
      ),
    );
  }

  const flagged = r.scaling.filter((row) => row.growth !== null && row.growth > 2);
  if (flagged.length) {
    out.push(
      '',
      '## Plans behind the scaling flags (EXPLAIN ANALYZE of the slowest SELECT, smallest and largest size)',
    );
    const sizes = Object.keys(flagged[0]!.p99);
    for (const row of flagged) {
      for (const size of [sizes[0], sizes.at(-1)]) {
        const q = r.queries.find((x) => x.call === row.scenario && x.size === size);
        const slowest = q ? [...q.selects].sort((a, b) => b.executionMs - a.executionMs)[0] : undefined;
        if (!slowest) continue;
        out.push(
          '',
          `${row.scenario} at ${size} (${slowest.executionMs.toFixed(2)} ms):`,
          '',
          '```',
          slowest.plan,
          '```',
        );
      }
    }
  }

  for (const p of r.profiles) {
    out.push(
      '',
      `## CPU profile: ${p.target}, ${p.scenario} (${f0(p.rps)} rps, ${f2(p.cpuMsPerRequest)} ms CPU per request)`,
      '',
    );
    out.push(
      table(
        ['self time by package', 'share'],
        p.summary.byPackage.slice(0, 12).map((x) => [x.name, `${(x.share * 100).toFixed(1)}%`]),
      ),
    );
    out.push('');
    out.push(
      table(
        ['heaviest functions (total, with callees)', 'share'],
        p.summary.topInclusive
          .slice(0, 20)
          .map((x) => [x.name.replaceAll('|', '\\|'), `${(x.share * 100).toFixed(1)}%`]),
      ),
    );
  }

  for (const e of r.extras) {
    out.push(
      '',
      `## ${e.name} (exit ${e.exitCode}, ${e.seconds.toFixed(0)} s)`,
      '',
      '```',
      e.output.trim(),
      '```',
    );
  }
  out.push('');
  return out.join('\n');
}
