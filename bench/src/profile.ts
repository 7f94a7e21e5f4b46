/**
 * Where the CPU goes: ours and the floor under `node --cpu-prof` on the worst ratio, summarised by
 * package and function, and the probes that split the cost by layer.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Workload } from './load.ts';
import { startFloorServer, startOurServer } from './processes.ts';
import { fmt, log, type Run, type SizeRun, warmThenMeasure } from './run-context.ts';
import { readWorkload } from './scenarios.ts';

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
};
type CpuProfile = { nodes: ProfileNode[]; startTime: number; endTime: number; samples?: number[] };

export type ProfileSummary = {
  totalMs: number;
  /** Self time by package (node_modules name, `node:` internals, our workspace packages, gc, idle). */
  byPackage: { name: string; ms: number; share: number }[];
  /** Heaviest functions by total time (self + callees; each sample counted once per function). */
  topInclusive: { name: string; ms: number; share: number }[];
};

/** Which package a script URL belongs to. */
export function packageOf(url: string): string {
  if (!url) return '(native)';
  if (url.startsWith('node:')) return 'node:internal';
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pnpm) return pnpm[1]!;
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (nm) return nm[1]!;
  const ws = /\/(packages|apps|bench)\/([^/]+)\//.exec(url);
  if (ws) return ws[1] === 'bench' ? 'bench' : `@skillbytes/${ws[2]}`;
  return url;
}

/** Summarises a V8 .cpuprofile (as written by `node --cpu-prof`): self time by package, total time by function. */
function summarizeProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalSamples = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = totalMs / totalSamples;
  const byPackage = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const keyOf = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const special = functionName.startsWith('(') ? functionName : undefined;
    const pkg = special ?? packageOf(url);
    return {
      pkg,
      fn: special ?? `${functionName || '(anonymous)'} ${path.basename(url)}:${lineNumber + 1} [${pkg}]`,
    };
  };
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { pkg } = keyOf(node);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!).fn;
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + hits);
    }
  }
  const rank = (m: Map<string, number>, limit: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, hits]) => ({ name, ms: hits * msPerSample, share: hits / totalSamples }));
  inclusive.delete('(root)');
  return {
    totalMs,
    byPackage: rank(byPackage, 25),
    topInclusive: rank(inclusive, 40),
  };
}

/**
 * The main thread's profile in a directory written by `node --cpu-prof` (worker threads, such as the
 * judge's or tsx's loader, write their own files: the main thread's is the largest).
 */
function mainThreadProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return files[0];
}

/** Where the CPU goes: ours and the floor under `node --cpu-prof` on the worst ratio above 1.3, if any. */
export async function profileWorstRatio(run: Run, sr: SizeRun) {
  const { s, tmp, jwtSecret } = run;
  const worstOf = (c: { ratioP99: number; ratioThroughput: number }) =>
    Math.max(c.ratioP99, c.ratioThroughput);
  const worst = run.results.floor
    .filter((c) => c.size === sr.label)
    .sort((a, b) => worstOf(b) - worstOf(a))[0];
  if (!worst || worstOf(worst) <= 1.3) return;
  log(`  profiling ${worst.scenario} (ratio ${worstOf(worst)})`);
  for (const kind of ['ours', 'floor'] as const) {
    const profDir = mkdtempSync(path.join(tmp, `prof-${kind}-`));
    const options = {
      databaseUrl: sr.url,
      jwtSecret,
      poolMax: s.poolMax,
      nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir],
    };
    const srv =
      kind === 'ours'
        ? await startOurServer({
            ...options,
            label: 'ours+prof',
            dataDir: mkdtempSync(path.join(tmp, 'prof-data-')),
          })
        : await startFloorServer({ ...options, label: 'floor+prof' });
    const workload = readWorkload(worst.scenario, sr.fixture, s.connections);
    const m = await warmThenMeasure(run, srv, workload, Math.max(3, s.durationSec));
    await srv.stop();
    const file = mainThreadProfile(profDir);
    if (file) {
      const summary = summarizeProfile(file);
      run.results.profiles.push({
        scenario: worst.scenario,
        target: kind,
        rps: m.rps,
        cpuMsPerRequest: m.cpuMsPerRequest,
        summary,
      });
    }
  }
}

/**
 * The framework's share, without our procedures or the database: plain /ping (HTTP layer only) and
 * health.ping through tRPC, on ours; /ping on the floor.
 */
export async function probeLayers(run: Run, sr: SizeRun) {
  for (const [target, name, p] of [
    [sr.ours, 'GET /ping (ours, no tRPC)', '/ping'],
    [sr.ours, 'health.ping (ours, tRPC, no db)', '/trpc/health.ping'],
    [sr.floor, 'GET /ping (floor)', '/ping'],
  ] as const) {
    const probe: Workload = {
      name,
      connections: run.s.connections,
      plan: () => ({ method: 'GET', path: p, headers: {} }),
    };
    const m = await warmThenMeasure(run, target, probe);
    run.results.scenarios.push({ ...m, size: sr.label });
    log(`    ${name.padEnd(34)} ${fmt(m)}`);
  }
}
