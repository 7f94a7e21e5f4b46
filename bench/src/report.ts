import type { BenchResults, Summary } from './results.ts';
import { targetRows, targetSummary } from './targets.ts';

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(1));
const f2 = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : n.toFixed(2));
const fx = (n: number | null) => (n === null || !Number.isFinite(n) ? '–' : `${n.toFixed(2)}×`);

/** A column: its header and how a row fills it. */
type Column<T> = [string, (row: T) => string | number];

function table<T>(rows: T[], columns: Column<T>[]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [
    line(columns.map(([head]) => head)),
    line(columns.map(() => '---')),
    ...rows.map((row) => line(columns.map(([, cell]) => cell(row)))),
  ].join('\n');
}

const slowestSelect = (q: BenchResults['queries'][number] | undefined) =>
  q ? [...q.selects].sort((a, b) => b.executionMs - a.executionMs)[0] : undefined;

/** The markdown report of a run: every table the README explains, in the order a reader needs them. */
export function toMarkdown(r: BenchResults): string {
  const m = r.meta;
  const out = [
    `# Skill Bytes benchmark — ${m.mode} run, ${m.startedAt.slice(0, 10)}`,
    '',
    `Node ${m.node}, ${m.postgres}, ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB; load average at start ${m.loadAverageStart.map((x) => x.toFixed(2)).join(' / ')}` +
      (m.loadAverageEnd ? `, at end ${m.loadAverageEnd.map((x) => x.toFixed(2)).join(' / ')}` : '') +
      `. Commit ${m.commit ?? 'unknown'}; ${m.durationSec ? `${Math.round(m.durationSec / 60)} min` : ''}.`,
    '',
    `Settings: ${Object.entries(m.settings)
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(', ')}. Latencies in ms; see bench/README.md for what every column means.`,
  ];
  const section = (title: string, ...body: string[]) => out.push('', `## ${title}`, '', ...body);

  const targets = targetRows(r);
  if (targets.length) section('Targets (issue #14)', ...targetSummary(targets));
  if (r.findings.length) section('Findings', ...r.findings.map((f) => `- ${f}`));

  if (r.datasets.length) {
    type D = BenchResults['datasets'][number];
    const rows = (name: string) => (d: D) => f0(d.tables.find((t) => t.table === name)?.rows ?? 0);
    const tables = ['users', 'completions', 'submissions', 'weekly_points', 'messages', 'inbox_state'];
    section(
      'Datasets',
      table<D>(r.datasets, [
        ['dataset', (d) => d.label],
        ['db', (d) => d.database],
        ...tables.map((name): Column<D> => [name, rows(name)]),
        ['load s', (d) => f1(d.tables.reduce((s, t) => s + t.seconds, 0))],
        ['indexes s', (d) => f1(d.indexSeconds)],
        ['analyze s', (d) => f1(d.analyzeSeconds)],
        ['total s', (d) => f1(d.totalSeconds)],
      ]),
    );
  }

  if (r.floor.length) {
    section(
      'Ours vs the floor (same SQL, same database, same load; medians of the rounds)',
      table(r.floor, [
        ['size', (c) => c.size],
        ['scenario', (c) => c.scenario],
        ['ours rps', (c) => f0(c.ours.rps)],
        ['floor rps', (c) => f0(c.floor.rps)],
        ['ours p50', (c) => f1(c.ours.p50)],
        ['ours p99', (c) => f1(c.ours.p99)],
        ['floor p99', (c) => f1(c.floor.p99)],
        ['p99 ratio', (c) => fx(c.ratioP99)],
        ['1/thr ratio', (c) => fx(c.ratioThroughput)],
        ['ours CPU ms/req', (c) => f2(c.ours.cpuMsPerRequest)],
        ['floor CPU ms/req', (c) => f2(c.floor.cpuMsPerRequest)],
        [
          'db CPU ms/req (ours / floor)',
          (c) => `${f2(c.ours.dbCpuMsPerRequest)} / ${f2(c.floor.dbCpuMsPerRequest)}`,
        ],
        ['ours ELD p99', (c) => f1(c.ours.eventLoopP99Ms)],
        ['floor ELD p99', (c) => f1(c.floor.eventLoopP99Ms)],
        ['errors', (c) => c.ours.errors + c.floor.errors],
      ]),
    );
  }

  const sizes = r.scaling[0] ? Object.keys(r.scaling[0].p99) : [];
  if (r.scaling.length) {
    type S = BenchResults['scaling'][number];
    const bySize = (head: string, cell: (row: S, size: string) => string) =>
      sizes.map((size): Column<S> => [`${head} ${size}`, (row) => cell(row, size)]);
    section(
      'Scaling (ours, p99 ms and rps by dataset size)',
      table<S>(r.scaling, [
        ['scenario', (row) => row.scenario],
        ...bySize('p99', (row, s) => f1(row.p99[s] ?? Number.NaN)),
        ...bySize('rps', (row, s) => f0(row.rps[s] ?? Number.NaN)),
        [
          `p99 growth ${sizes[0]}→${sizes.at(-1)}`,
          (row) => (row.growth === null ? '–' : `${fx(row.growth)}${row.growth > 2 ? ' ⚠' : ''}`),
        ],
        ['floor p99 growth', (row) => fx(row.floorGrowth)],
        ...bySize('db CPU ms/req', (row, s) => f2(row.dbCpu[s] ?? Number.NaN)),
        ['db CPU growth', (row) => fx(row.dbCpuGrowth)],
      ]),
    );
  }

  if (r.scenarios.length) {
    section(
      'Scenarios (ours)',
      table(r.scenarios, [
        ['size', (s) => s.size],
        ['scenario', (s) => s.scenario],
        ['conns', (s) => s.connections],
        ['rps', (s) => f0(s.rps)],
        ['p50', (s) => f1(s.latency.p50)],
        ['p99', (s) => f1(s.latency.p99)],
        ['max', (s) => f1(s.latency.max)],
        ['errors', (s) => s.errors],
        ['RSS max MB', (s) => f1(s.rss.maxMb)],
        ['ELD p99', (s) => f1(s.eventLoopP99Ms)],
        ['CPU ms/req', (s) => f2(s.cpuMsPerRequest)],
      ]),
    );
  }

  if (r.pglite.length) {
    section(
      'Embedded PGlite vs PostgreSQL (ours, same dataset size)',
      table(r.pglite, [
        ['size', (p) => p.size],
        ['scenario', (p) => p.scenario],
        ['PGlite rps', (p) => f0(p.pglite.rps)],
        ['PG rps', (p) => f0(p.pg.rps)],
        ['PGlite p99', (p) => f1(p.pglite.latency.p99)],
        ['PG p99', (p) => f1(p.pg.p99)],
        ['p99 ratio', (p) => fx(p.ratioP99)],
        ['1/thr ratio', (p) => fx(p.ratioThroughput)],
        ['errors', (p) => p.pglite.errors],
      ]),
    );
  }

  const mp = r.multiProcess;
  if (mp) {
    section(
      `Two server processes on one PostgreSQL (${mp.size}, mixed profile)`,
      table<[string, Summary]>(
        [
          ['1 process', mp.one],
          ['2 processes', mp.two],
        ],
        [
          ['setup', ([setup]) => setup],
          ['rps', ([, s]) => f0(s.rps)],
          ['p50', ([, s]) => f1(s.p50)],
          ['p99', ([, s]) => f1(s.p99)],
          ['max', ([, s]) => f1(s.max)],
          ['errors', ([, s]) => s.errors],
          ['RSS max MB (sum)', ([, s]) => f1(s.rssMaxMb)],
        ],
      ),
      '',
      `Throughput gain: ${fx(mp.throughputGain)} (medians of ${mp.one.rounds} alternating rounds).`,
    );
  }

  if (r.realtime.length) {
    section(
      'Real-time delivery across processes (inbox.onMessage over SSE)',
      table(r.realtime, [
        ['subscriber on', (d) => d.subscriberOn],
        ['sent through', (d) => d.sentThrough],
        ['sent', (d) => d.sent],
        ['delivered', (d) => d.delivered],
        ['p50 ms', (d) => f1(d.latencyMs.p50)],
        ['p99 ms', (d) => f1(d.latencyMs.p99)],
        ['max ms', (d) => f1(d.latencyMs.max)],
      ]),
    );
  }

  const soak = r.soak;
  if (soak) {
    section(
      `Soak (${soak.size}, mixed profile, ${soak.minutes.length} min)`,
      table(soak.minutes, [
        ['minute', (x) => x.minute],
        ['rps', (x) => f0(x.rps)],
        ['p99', (x) => f1(x.p99)],
        ['errors', (x) => x.errors],
        ['RSS end MB', (x) => f1(x.rssEndMb)],
        ['RSS max MB', (x) => f1(x.rssMaxMb)],
        ['ELD p99', (x) => f1(x.eventLoopP99Ms)],
      ]),
      '',
      `Errors: ${soak.totalErrors}. RSS slope ${soak.rssSlopeMbPerMin.toFixed(2)} MB/min (least squares over the RSS at the end of each minute; ${soak.rssMaxSlopeMbPerMin.toFixed(2)} MB/min over each minute's highest), first→last ${soak.rssGrowthMb >= 0 ? '+' : ''}${soak.rssGrowthMb.toFixed(1)} MB.`,
    );
  }

  if (r.queries.length) {
    section(
      'What each request runs (statements per request; EXPLAIN ANALYZE of its SELECTs)',
      table(r.queries, [
        ['size', (q) => q.size],
        ['procedure', (q) => q.call],
        ['statements', (q) => q.statements],
        ['SELECT ms (each)', (q) => q.selects.map((s) => s.executionMs.toFixed(2)).join(' + ')],
        ['plan nodes of the slowest SELECT', (q) => slowestSelect(q)?.nodes.slice(0, 8).join(' › ') ?? '–'],
      ]),
    );
  }

  const flagged = r.scaling.filter((row) => row.growth !== null && row.growth > 2);
  if (flagged.length) {
    out.push(
      '',
      '## Plans behind the scaling flags (EXPLAIN ANALYZE of the slowest SELECT, smallest and largest size)',
    );
    for (const row of flagged) {
      for (const size of [sizes[0], sizes.at(-1)]) {
        const slowest = slowestSelect(r.queries.find((x) => x.call === row.scenario && x.size === size));
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

  const share = (x: { share: number }) => `${(x.share * 100).toFixed(1)}%`;
  for (const p of r.profiles) {
    section(
      `CPU profile: ${p.target}, ${p.scenario} (${f0(p.rps)} rps, ${f2(p.cpuMsPerRequest)} ms CPU per request)`,
      table(p.summary.byPackage.slice(0, 12), [
        ['self time by package', (x) => x.name],
        ['share', share],
      ]),
      '',
      table(p.summary.topInclusive.slice(0, 20), [
        ['heaviest functions (total, with callees)', (x) => x.name.replaceAll('|', '\\|')],
        ['share', share],
      ]),
    );
  }

  for (const e of r.extras) {
    section(`${e.name} (exit ${e.exitCode}, ${e.seconds.toFixed(0)} s)`, '```', e.output.trim(), '```');
  }
  out.push('');
  return out.join('\n');
}
