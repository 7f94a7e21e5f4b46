import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

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
  /** Heaviest functions by self time. */
  topFunctions: { name: string; ms: number; share: number }[];
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

/** Summarises a V8 .cpuprofile (as written by `node --cpu-prof`) by self time. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const totalSamples = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = totalMs / totalSamples;
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
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
    const { pkg, fn } = keyOf(node);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
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
    topFunctions: rank(byFunction, top),
    topInclusive: rank(inclusive, top * 2),
  };
}

/**
 * The main thread's profile in a directory written by `node --cpu-prof` (worker threads, such as the
 * judge's or tsx's loader, write their own files: the main thread's is the largest).
 */
export function mainThreadProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f))
    .sort((a, b) => statSync(b).size - statSync(a).size);
  return files[0];
}

export function formatProfile(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);
  const lines = ['  self time by package:'];
  for (const p of s.byPackage.slice(0, 14)) lines.push(`    ${pct(p.share)}  ${p.name}`);
  lines.push('  heaviest functions (self):');
  for (const f of s.topFunctions) lines.push(`    ${pct(f.share)}  ${f.name}`);
  lines.push('  heaviest functions (total, with callees):');
  for (const f of s.topInclusive) lines.push(`    ${pct(f.share)}  ${f.name}`);
  return lines.join('\n');
}
