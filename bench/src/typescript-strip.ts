/**
 * What stripping TypeScript costs a judge run: `toJavaScript` on a typical 2 KB solution, timed inside a
 * worker thread with the judge workers' options (where the judge runs it, never on the event loop).
 * Prints the first call in a fresh worker (sucrase not yet compiled by V8) and the median and p99 of the
 * calls after it, with the largest solution the judge accepts (64 KB) for scale.
 * Run: `node --import tsx src/typescript-strip.ts` (a few seconds).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { defaultApiConfig } from '@skillbytes/api';

const WARM_CALLS = 2000;

/** A typical solution: interfaces, generics, an enum, annotations, `as`, helpers and an export (~2 KB). */
function typicalSolution(): string {
  const helpers = Array.from(
    { length: 8 },
    (_, i) => `function score${i}<T extends Entry>(entries: readonly T[], weight: number = ${i + 1}): number {
  let total: number = 0;
  for (const entry of entries as T[]) total += (entry.points as number) * weight;
  return total;
}`,
  ).join('\n');
  return `interface Entry {
  name: string;
  points: number;
  tags?: string[];
}
enum Rank {
  Bronze = 'bronze',
  Silver = 'silver',
  Gold = 'gold',
}
type Ranked<T> = T & { rank: Rank };
${helpers}
export function leaderboard<T extends Entry>(entries: T[], limit: number): Ranked<T>[] {
  const sorted = [...entries].sort((a: T, b: T): number => b.points - a.points);
  return sorted.slice(0, limit).map((entry, i): Ranked<T> => ({
    ...entry,
    rank: i === 0 ? Rank.Gold : i === 1 ? Rank.Silver : Rank.Bronze,
  }));
}
`;
}

/** The largest solution the judge takes: the typical one padded with interfaces up to the code limit. */
function largestSolution(base: string): string {
  const limit = defaultApiConfig().judge.codeMaxBytes;
  let code = base;
  for (let i = 0; ; i++) {
    const more = `interface Padding${i}<T> { id: number; value: T; next?: Padding${i}<T>; list: Array<Map<string, T>> }\n`;
    if (Buffer.byteLength(code + more) > limit) return code;
    code += more;
  }
}

type Timings = { bytes: number; firstMs: number; medianMs: number; p99Ms: number };

async function measureInWorker(): Promise<void> {
  const { toJavaScript } = await import('@skillbytes/api/typescript');
  const time = (code: string) => {
    const started = performance.now();
    const source = toJavaScript(code, 'typescript');
    const ms = performance.now() - started;
    if (!('code' in source)) throw new Error(source.compileError);
    return ms;
  };
  const measure = (code: string): Timings => {
    const firstMs = time(code);
    const warm = Array.from({ length: WARM_CALLS }, () => time(code)).sort((a, b) => a - b);
    return {
      bytes: Buffer.byteLength(code),
      firstMs,
      medianMs: warm[Math.floor(warm.length / 2)]!,
      p99Ms: warm[Math.floor(warm.length * 0.99)]!,
    };
  };
  const typical = typicalSolution();
  const results = { typical: measure(typical), largest: measure(largestSolution(typical)) };
  parentPort!.postMessage(results);
}

/**
 * The worker loads this file again through tsx, as the judge's worker-entry.mjs loads worker.ts: Node 20
 * does not apply a worker's `--import tsx` to its entry module. The options are the judge pool's.
 */
function startWorker(): Promise<Record<string, Timings>> {
  const tsx = import.meta.resolve('tsx/esm/api');
  const self = import.meta.url;
  const entry = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(self)});`;
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(entry)}`), {
    execArgv: [],
    resourceLimits: { stackSizeMb: 4 },
    workerData: { measure: true },
  });
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

const ms = (n: number) => `${n.toFixed(3)} ms`;

if (!isMainThread && (workerData as { measure?: boolean } | null)?.measure) {
  await measureInWorker();
} else if (isMainThread) {
  const results = await startWorker();
  for (const [name, t] of Object.entries(results)) {
    console.log(
      `${name.padEnd(8)} ${String(t.bytes).padStart(6)} B  first call ${ms(t.firstMs)}  ` +
        `then median ${ms(t.medianMs)}, p99 ${ms(t.p99Ms)} (${WARM_CALLS} calls)`,
    );
  }
}
